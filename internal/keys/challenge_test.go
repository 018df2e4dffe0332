package keys

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flipBit returns a copy of b with bit i (counted from the first byte's top
// bit) inverted.
func flipBit(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i/8] ^= 0x80 >> (i % 8)
	return out
}

func TestSignVectors(t *testing.T) {
	vectors := testvectors.Signatures(t)
	for i, v := range vectors {
		t.Run(fmt.Sprintf("vector%d-%dbits", i, v.Bits), func(t *testing.T) {
			if testing.Short() && v.Bits > 2048 {
				t.Skip("larger keys are derived in the full run")
			}
			key := derivedKey(t, v.Secret, v.Bits)
			pub := &key.PublicKey
			message := testvectors.Hex(t, v.MessageHex)
			want := testvectors.Hex(t, v.SignatureHex)

			signature, err := Sign(key, message)
			require.NoError(t, err)
			assert.Equal(t, v.SignatureHex, hex.EncodeToString(signature), "signature bytes")
			require.NoError(t, Verify(pub, message, want))

			// One bit off anywhere in the message or the signature.
			for _, bit := range []int{0, 7, 8*len(message)/2 + 3, 8*len(message) - 1} {
				if len(message) == 0 {
					break
				}
				assert.Same(t, ErrChallengeMismatch, Verify(pub, flipBit(message, bit), want),
					"message bit %d", bit)
			}
			assert.Same(t, ErrChallengeMismatch, Verify(pub, append(bytes.Clone(message), 0), want),
				"message with one byte more")
			for _, bit := range []int{0, 1, 8*len(want)/2 + 5, 8*len(want) - 1} {
				assert.Same(t, ErrChallengeMismatch, Verify(pub, message, flipBit(want, bit)),
					"signature bit %d", bit)
			}
			assert.Same(t, ErrChallengeMismatch, Verify(pub, message, want[:len(want)-1]),
				"signature one byte short")
			assert.Same(t, ErrChallengeMismatch, Verify(pub, message, nil), "no signature")

			// Another secret's key, of the same size or not.
			other := vectors[(i+3)%len(vectors)]
			if other.Secret == v.Secret {
				other = vectors[(i+1)%len(vectors)]
			}
			require.NotEqual(t, v.Secret, other.Secret)
			if testing.Short() && other.Bits > 2048 {
				return
			}
			otherKey := derivedKey(t, other.Secret, other.Bits)
			assert.Same(t, ErrChallengeMismatch, Verify(&otherKey.PublicKey, message, want),
				"another vector's key")
		})
	}
}

func TestNewChallenge(t *testing.T) {
	v := testvectors.Signatures(t)[0]
	key := derivedKey(t, v.Secret, v.Bits)

	first, err := NewChallenge(key)
	require.NoError(t, err)
	require.Len(t, first.Value, ChallengeSize)
	require.NoError(t, Verify(&key.PublicKey, first.Value, first.Signature))

	// The signature is deterministic (section 8): signing the value again
	// gives the stored bytes.
	again, err := Sign(key, first.Value)
	require.NoError(t, err)
	assert.Equal(t, first.Signature, again)

	second, err := NewChallenge(key)
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, second.Value, "each challenge has a fresh value")
	assert.Same(t, ErrChallengeMismatch, Verify(&key.PublicKey, second.Value, first.Signature))

	other := derivedKey(t, "hunter2", DefaultBits)
	assert.Same(t, ErrChallengeMismatch, Verify(&other.PublicKey, first.Value, first.Signature),
		"a wrong secret fails the check")
}

// wycheproofSignatures is the part of Wycheproof's rsassa_pkcs1_verify
// schema that the test reads.
type wycheproofSignatures struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		PublicKeyPem string `json:"publicKeyPem"`
		PublicKeyDer string `json:"publicKeyDer"`
		Sha          string `json:"sha"`
		Tests        []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Msg     string   `json:"msg"`
			Sig     string   `json:"sig"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// TestWycheproofSignatures runs Wycheproof's RSASSA-PKCS1-v1_5 SHA-256 cases
// through Verify, the master key check. "valid" must verify and "invalid"
// must fail. The one "acceptable" case (a DigestInfo without its NULL
// parameter) is rejected: ownkey only ever checks its own signatures, which
// always carry the NULL, so the strict encoding costs nothing and leaves no
// second form of a valid signature.
func TestWycheproofSignatures(t *testing.T) {
	var suite wycheproofSignatures
	testvectors.Load(t, "wycheproof/rsa_signature_2048_sha256_test.json", &suite)

	counts := map[string]int{}
	for _, group := range suite.TestGroups {
		require.Equal(t, "SHA-256", group.Sha)
		pub := wycheproofPublicKey(t, group.PublicKeyPem, group.PublicKeyDer)

		for _, tc := range group.Tests {
			counts[tc.Result]++
			msg := testvectors.Hex(t, tc.Msg)
			sig := testvectors.Hex(t, tc.Sig)
			err := Verify(pub, msg, sig)
			switch tc.Result {
			case "valid":
				assert.NoError(t, err, "tcId %d (%s)", tc.TcID, tc.Comment)
			case "invalid", "acceptable":
				assert.Same(t, ErrChallengeMismatch, err, "tcId %d (%s) %v", tc.TcID, tc.Comment, tc.Flags)
			default:
				t.Fatalf("tcId %d: unknown result %q", tc.TcID, tc.Result)
			}
		}
	}
	assert.Equal(t, map[string]int{"valid": 9, "invalid": 249, "acceptable": 1}, counts)
	assert.Equal(t, suite.NumberOfTests, counts["valid"]+counts["invalid"]+counts["acceptable"])
}

// wycheproofPublicKey reads a Wycheproof group's key with ParsePublicKey.
// Two groups use the public exponent 3, which ParsePublicKey refuses on
// purpose (every key ownkey accepts from others is a Coretex key, e = 65537);
// for those the test asserts that refusal and reads the same key from its DER
// so that the signatures are still checked.
func wycheproofPublicKey(t *testing.T, pemText, derHex string) *rsa.PublicKey {
	t.Helper()
	pub, err := ParsePublicKey(pemText)
	if err == nil {
		return pub
	}
	require.ErrorIs(t, err, ErrMalformedKey)
	require.Equal(t, "keys: malformed key: public exponent 3; expected 65537", err.Error())

	parsed, err := x509.ParsePKIXPublicKey(testvectors.Hex(t, derHex))
	require.NoError(t, err)
	pub, ok := parsed.(*rsa.PublicKey)
	require.True(t, ok)
	require.Equal(t, 3, pub.E)
	return pub
}
