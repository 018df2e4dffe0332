package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVectorPEMs(t *testing.T) {
	for i, v := range testvectors.Derivations(t) {
		t.Run(fmt.Sprintf("vector%d-%dbits", i, v.Bits), func(t *testing.T) {
			for _, text := range []string{v.PublicPKCS1, v.PublicSPKI,
				"\n  " + v.PublicPKCS1 + "\r\n\n", strings.ReplaceAll(v.PublicSPKI, "\n", "\r\n")} {
				pub, err := ParsePublicKey(text)
				require.NoError(t, err)
				assert.Equal(t, v.Bits, pub.N.BitLen())
				assert.Zero(t, hexInt(t, v.N).Cmp(pub.N), "n")
				assert.Equal(t, publicExponent, pub.E)
				assert.Equal(t, v.PublicPKCS1, PublicKeyPEM(pub), "re-encoded")
			}

			priv, err := ParsePrivateKey(v.PrivatePKCS8)
			require.NoError(t, err)
			assert.Zero(t, hexInt(t, v.N).Cmp(priv.N), "n")
			assert.Zero(t, hexInt(t, v.D).Cmp(priv.D), "d")
			again, err := PrivateKeyPEM(priv)
			require.NoError(t, err)
			assert.True(t, again == v.PrivatePKCS8, "PKCS#8 PEM does not survive a round trip")
		})
	}
}

var (
	strayKeysOnce sync.Once
	strayKeys     struct {
		rsa1024 *rsa.PrivateKey
		ec      *ecdsa.PrivateKey
		err     error
	}
)

// keysNotOurs returns keys that ownkey must refuse: a 1024-bit RSA key and
// a P-256 key, made once per test binary.
func keysNotOurs(t testing.TB) (*rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	strayKeysOnce.Do(func() {
		strayKeys.rsa1024, strayKeys.err = rsa.GenerateKey(rand.Reader, 1024)
		if strayKeys.err == nil {
			strayKeys.ec, strayKeys.err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
	})
	require.NoError(t, strayKeys.err)
	return strayKeys.rsa1024, strayKeys.ec
}

func pemText(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

// fakeModulus is an odd number of exactly bits bits. Public-key parsing
// does not factor n, so it stands in for a key of a size nobody derives.
func fakeModulus(bits int) *big.Int {
	n := new(big.Int).Lsh(bigOne, uint(bits-1))
	return n.Add(n, big.NewInt(0x1234567))
}

type badPEM struct {
	name string
	text string
	want string // the exact error message
}

func malformedPublicPEMs(t testing.TB) []badPEM {
	v := testvectors.Derivations(t)[0]
	rsa1024, ec := keysNotOurs(t)

	ecSPKI, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)
	rsa1024SPKI, err := x509.MarshalPKIXPublicKey(&rsa1024.PublicKey)
	require.NoError(t, err)
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(v.PublicPKCS1))
	require.NotNil(t, block)
	withHeader := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: block.Bytes}))
	corrupt := pemText("RSA PUBLIC KEY", block.Bytes[:len(block.Bytes)-1])

	const noBlock = "keys: malformed key: no PEM block found (expected -----BEGIN ...-----)"
	const after = "keys: malformed key: unexpected data after the PEM block"
	const wantPublic = `keys: malformed key: expected an "RSA PUBLIC KEY" or "PUBLIC KEY" block, got `
	return []badPEM{
		{"empty", "", noBlock},
		{"blank", " \n\t\r\n", noBlock},
		{"garbage", "this is not a key, it is a grocery list: eggs, milk", noBlock},
		{"binary", "\x00\xff\x30\x82\x01\x0a", noBlock},
		{"base64 without armour", strings.Join(strings.Split(v.PublicPKCS1, "\n")[1:4], "\n"), noBlock},
		{"no end line", strings.TrimSuffix(v.PublicPKCS1, "-----END RSA PUBLIC KEY-----\n"), noBlock},
		{"bad base64 inside", strings.Replace(v.PublicPKCS1, "MII", "M!I", 1), noBlock},
		{"trailing data", v.PublicPKCS1 + "trailing words", after},
		{"two keys", v.PublicPKCS1 + v.PublicSPKI, after},
		{"headers", withHeader,
			"keys: malformed key: PEM headers (encrypted keys) are not supported"},
		{"truncated DER", corrupt,
			"keys: malformed key: the RSA PUBLIC KEY block is not valid PKCS#1"},
		{"SPKI DER under the PKCS#1 label", pemText("RSA PUBLIC KEY", rsa1024SPKI),
			"keys: malformed key: the RSA PUBLIC KEY block is not valid PKCS#1"},
		{"PKCS#1 DER under the SPKI label", pemText("PUBLIC KEY", block.Bytes),
			"keys: malformed key: the PUBLIC KEY block is not valid SubjectPublicKeyInfo"},
		{"1024-bit PKCS#1", pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa1024.PublicKey)),
			"keys: malformed key: a 1024-bit public key; expected 2048 to 4096 bits"},
		{"1024-bit SPKI", pemText("PUBLIC KEY", rsa1024SPKI),
			"keys: malformed key: a 1024-bit public key; expected 2048 to 4096 bits"},
		{"8192-bit", PublicKeyPEM(&rsa.PublicKey{N: fakeModulus(8192), E: publicExponent}),
			"keys: malformed key: a 8192-bit public key; expected 2048 to 4096 bits"},
		{"2047-bit", PublicKeyPEM(&rsa.PublicKey{N: fakeModulus(2047), E: publicExponent}),
			"keys: malformed key: a 2047-bit public key; expected 2048 to 4096 bits"},
		{"exponent 3", PublicKeyPEM(&rsa.PublicKey{N: fakeModulus(2048), E: 3}),
			"keys: malformed key: public exponent 3; expected 65537"},
		{"EC key", pemText("PUBLIC KEY", ecSPKI),
			"keys: malformed key: the public key is not an RSA key"},
		{"PKCS#1 private key", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024)),
			wantPublic + `a private key ("RSA PRIVATE KEY")`},
		{"PKCS#8 private key", v.PrivatePKCS8, wantPublic + `a private key ("PRIVATE KEY")`},
		{"EC private key", pemText("EC PRIVATE KEY", ecPKCS8),
			wantPublic + `a private key ("EC PRIVATE KEY")`},
		{"certificate", pemText("CERTIFICATE", block.Bytes),
			wantPublic + `a certificate ("CERTIFICATE")`},
		{"unknown label", pemText("MY SECRET NOTES", block.Bytes), wantPublic + "another kind of block"},
	}
}

func malformedPrivatePEMs(t testing.TB) []badPEM {
	v := testvectors.Derivations(t)[0]
	rsa1024, ec := keysNotOurs(t)

	rsa1024PKCS8, err := x509.MarshalPKCS8PrivateKey(rsa1024)
	require.NoError(t, err)
	ecPKCS8, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(v.PrivatePKCS8))
	require.NotNil(t, block)

	const noBlock = "keys: malformed key: no PEM block found (expected -----BEGIN ...-----)"
	const wantPrivate = `keys: malformed key: expected a "PRIVATE KEY" block (PKCS#8), got `
	return []badPEM{
		{"empty", "", noBlock},
		{"garbage", "hunter2", noBlock},
		{"trailing data", v.PrivatePKCS8 + "x",
			"keys: malformed key: unexpected data after the PEM block"},
		{"truncated DER", pemText("PRIVATE KEY", block.Bytes[:len(block.Bytes)-3]),
			"keys: malformed key: the PRIVATE KEY block is not valid PKCS#8"},
		{"PKCS#1 private key", pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024)),
			wantPrivate + `a private key ("RSA PRIVATE KEY")`},
		{"public key", v.PublicPKCS1, wantPrivate + `a public key ("RSA PUBLIC KEY")`},
		{"EC key", pemText("PRIVATE KEY", ecPKCS8),
			"keys: malformed key: the private key is not an RSA key"},
		{"1024-bit key", pemText("PRIVATE KEY", rsa1024PKCS8),
			"keys: malformed key: a 1024-bit private key; expected 2048 to 4096 bits"},
		{"unknown label", pemText("NOTES", block.Bytes), wantPrivate + "another kind of block"},
	}
}

// assertNoEcho fails if msg repeats a line of the input or a run of its
// base64 body: an error about a key must not carry the key.
func assertNoEcho(t *testing.T, input, msg string) {
	t.Helper()
	for _, line := range strings.Split(input, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") || len(line) < 8 {
			continue
		}
		assert.False(t, strings.Contains(msg, line), "the error repeats the input")
		assert.False(t, strings.Contains(msg, line[:8]), "the error repeats part of the input")
	}
}

func TestParsePublicKeyMalformed(t *testing.T) {
	for _, tc := range malformedPublicPEMs(t) {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := ParsePublicKey(tc.text)
			assert.Nil(t, pub)
			require.ErrorIs(t, err, ErrMalformedKey)
			assert.Equal(t, tc.want, err.Error())
			assertNoEcho(t, tc.text, err.Error())
		})
	}
}

func TestParsePrivateKeyMalformed(t *testing.T) {
	for _, tc := range malformedPrivatePEMs(t) {
		t.Run(tc.name, func(t *testing.T) {
			priv, err := ParsePrivateKey(tc.text)
			assert.Nil(t, priv)
			require.ErrorIs(t, err, ErrMalformedKey)
			// Compared by equality only: the input may be a real key.
			assert.True(t, tc.want == err.Error(), "got %q, want %q", err.Error(), tc.want)
			assertNoEcho(t, tc.text, err.Error())
		})
	}
}
