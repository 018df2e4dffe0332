package keys

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
)

// Run one target for a while with, for example:
//
//	go test -run '^$' -fuzz '^FuzzParsePublicKey$' -fuzztime 10s ./internal/keys

// fuzzSeedPEMs adds the vector keys, Wycheproof's keys and the malformed
// cases of the unit tests as seeds.
func fuzzSeedPEMs(f *testing.F) {
	for _, v := range testvectors.Derivations(f) {
		f.Add(v.PublicPKCS1)
		f.Add(v.PublicSPKI)
		f.Add(v.PrivatePKCS8)
	}

	var signatures wycheproofSignatures
	testvectors.Load(f, "wycheproof/rsa_signature_2048_sha256_test.json", &signatures)
	for _, g := range signatures.TestGroups {
		f.Add(g.PublicKeyPem)
	}
	var decryption wycheproofDecryption
	testvectors.Load(f, "wycheproof/rsa_pkcs1_2048_test.json", &decryption)
	for _, g := range decryption.TestGroups[:3] {
		f.Add(g.PrivateKeyPem)
	}

	for _, bad := range append(malformedPublicPEMs(f), malformedPrivatePEMs(f)...) {
		f.Add(bad.text)
	}
	f.Add("")
	f.Add("-----BEGIN RSA PUBLIC KEY-----\n-----END RSA PUBLIC KEY-----\n")
	f.Add("-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n")
}

func FuzzParsePublicKey(f *testing.F) {
	fuzzSeedPEMs(f)

	projectKey := bytes.Repeat([]byte{0x42}, ProjectKeySize)
	f.Fuzz(func(t *testing.T, text string) {
		pub, err := ParsePublicKey(text)
		if err != nil {
			if pub != nil || !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("ParsePublicKey: key %v with error %v, want only an ErrMalformedKey",
					pub != nil, err)
			}
			return
		}

		// A key that parses is one ownkey can use: the sizes it promises,
		// an encoding that reads back, and it takes a wrapped project key.
		size := pub.N.BitLen()
		if size < minPublicBits || size > maxPublicBits || pub.E != publicExponent {
			t.Fatalf("accepted a %d-bit key with e = %d", size, pub.E)
		}
		again, err := ParsePublicKey(PublicKeyPEM(pub))
		if err != nil || !again.Equal(pub) {
			t.Fatalf("the PKCS#1 encoding does not read back: %v", err)
		}
		again, err = ParsePublicKey(PublicKeySPKIPEM(pub))
		if err != nil || !again.Equal(pub) {
			t.Fatalf("the SPKI encoding does not read back: %v", err)
		}
		wrapped, err := Wrap(pub, projectKey)
		if err != nil || len(wrapped) != pub.Size() {
			t.Fatalf("Wrap with an accepted key: %d bytes, %v", len(wrapped), err)
		}
		if err := Verify(pub, projectKey, wrapped); err != ErrChallengeMismatch {
			t.Fatalf("Verify of a non-signature: %v", err)
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	fuzzSeedPEMs(f)

	projectKey := bytes.Repeat([]byte{0x24}, ProjectKeySize)
	f.Fuzz(func(t *testing.T, text string) {
		priv, err := ParsePrivateKey(text)
		if err != nil {
			if priv != nil || !errors.Is(err, ErrMalformedKey) {
				t.Fatalf("ParsePrivateKey: key %v with error %v, want only an ErrMalformedKey",
					priv != nil, err)
			}
			return
		}

		// A key that parses is one ownkey can use: a consistent RSA key of
		// a size it accepts, that signs, verifies and opens what is
		// wrapped to it, and whose public half others will accept.
		if err := priv.Validate(); err != nil {
			t.Fatalf("accepted an inconsistent key: %v", err)
		}
		if _, err := ParsePublicKey(PublicKeyPEM(&priv.PublicKey)); err != nil {
			t.Fatalf("its public key is refused: %v", err)
		}
		signature, err := Sign(priv, projectKey)
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		if err := Verify(&priv.PublicKey, projectKey, signature); err != nil {
			t.Fatalf("Verify of its own signature: %v", err)
		}
		wrapped, err := Wrap(&priv.PublicKey, projectKey)
		if err != nil {
			t.Fatalf("Wrap: %v", err)
		}
		opened, err := Unwrap(priv, wrapped)
		if err != nil || !bytes.Equal(opened, projectKey) {
			t.Fatalf("Unwrap of its own wrapping: %s, %v", fingerprint(opened), err)
		}
	})
}
