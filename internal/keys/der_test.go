package keys

import (
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
