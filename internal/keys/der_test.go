package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The encodings written with encoding/asn1 are those of the vectors and of
// crypto/x509, byte for byte, and x509 reads what they write.
func TestEncodingsMatchX509(t *testing.T) {
	for i, v := range testvectors.Derivations(t) {
		t.Run(fmt.Sprintf("vector%d", i), func(t *testing.T) {
			pub, err := ParsePublicKey(v.PublicPKCS1)
			require.NoError(t, err)
			assert.Equal(t, v.PublicSPKI, PublicKeySPKIPEM(pub))
			assert.Equal(t, x509.MarshalPKCS1PublicKey(pub), PublicKeyDER(pub))

			spki, err := x509.MarshalPKIXPublicKey(pub)
			require.NoError(t, err)
			block, _ := pem.Decode([]byte(PublicKeySPKIPEM(pub)))
			require.NotNil(t, block)
			assert.Equal(t, spki, block.Bytes)

			priv, err := ParsePrivateKey(v.PrivatePKCS8)
			require.NoError(t, err)
			text, err := PrivateKeyPEM(priv)
			require.NoError(t, err)
			block, _ = pem.Decode([]byte(text))
			require.NotNil(t, block)
			want, err := x509.MarshalPKCS8PrivateKey(priv)
			require.NoError(t, err)
			assert.True(t, string(want) == string(block.Bytes), "PKCS#8 differs from x509's")
			parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			require.NoError(t, err)
			assert.True(t, priv.Equal(parsed), "x509 reads another key")
		})
	}
}

// A PKCS#8 key whose numbers do not make an RSA key is refused.
func TestParsePrivateKeyInconsistent(t *testing.T) {
	v := testvectors.Derivations(t)[0]
	priv, err := ParsePrivateKey(v.PrivatePKCS8)
	require.NoError(t, err)
	wrong := *priv
	wrong.D = new(big.Int).Add(priv.D, bigTwo)
	text, err := PrivateKeyPEM(&wrong)
	require.NoError(t, err)
	_, err = ParsePrivateKey(text)
	assert.True(t, err != nil && err.Error() ==
		"keys: malformed key: the PRIVATE KEY block is not valid PKCS#8", "got %v", err)
}

// The hand-written DER reader accepts exactly what crypto/x509 accepts, on
// the vectors' keys with every single byte changed and every truncation.
func TestDERReaderAgreesWithX509(t *testing.T) {
	v := testvectors.Derivations(t)[0]
	block, _ := pem.Decode([]byte(v.PublicPKCS1))
	require.NotNil(t, block)
	spkiBlock, _ := pem.Decode([]byte(v.PublicSPKI))
	require.NotNil(t, spkiBlock)

	variants := func(der []byte) [][]byte {
		var out [][]byte
		for i := range der {
			out = append(out, der[:i])
			for _, x := range []byte{0x00, 0x01, 0x7f, 0x80, 0x81, 0xff} {
				changed := append([]byte(nil), der...)
				changed[i] = x
				out = append(out, changed)
			}
		}
		return append(out, append(append([]byte(nil), der...), 0x00))
	}

	for i, der := range variants(block.Bytes) {
		_, ours := parsePKCS1PublicKey(der)
		_, theirs := x509.ParsePKCS1PublicKey(der)
		require.Equal(t, theirs == nil, ours == nil, "PKCS#1 variant %d: x509 %v, here %v",
			i, theirs, ours)
	}
	for i, der := range variants(spkiBlock.Bytes) {
		_, ours := ParsePublicKey(pemText("PUBLIC KEY", der))
		parsed, theirs := x509.ParsePKIXPublicKey(der)
		if theirs == nil {
			if pub, ok := parsed.(*rsa.PublicKey); !ok || checkKeySize(pub, "public") != nil {
				continue // refused by the size check, not by the reader
			}
		}
		require.Equal(t, theirs == nil, ours == nil, "SPKI variant %d: x509 %v, here %v",
			i, theirs, ours)
	}
}
