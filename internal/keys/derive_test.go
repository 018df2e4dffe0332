package keys

import (
	"context"
	"fmt"
	"math/big"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	require.True(t, ok, "bad hex integer in test data")
	return n
}

func TestDeriveVectors(t *testing.T) {
	for i, v := range testvectors.Derivations(t) {
		t.Run(fmt.Sprintf("vector%d-%dbits", i, v.Bits), func(t *testing.T) {
			if testing.Short() && v.Bits > 2048 {
				t.Skip("larger keys are derived in the full run")
			}
			secret := testvectors.Hex(t, v.SecretHex)
			require.Equal(t, v.Secret, string(secret))

			key, drawn, err := derive(context.Background(), secret, v.Bits, nil)
			require.NoError(t, err)

			// Bytes drawn first: it tells where a wrong key went astray.
			assert.Equal(t, v.StreamBytesDrawn, drawn, "stream bytes drawn")
			assert.Equal(t, v.E, key.E)
			assert.Zero(t, hexInt(t, v.N).Cmp(key.N), "n")
			assert.Zero(t, hexInt(t, v.D).Cmp(key.D), "d")
			assert.Zero(t, hexInt(t, v.P).Cmp(key.Primes[0]), "p")
			assert.Zero(t, hexInt(t, v.Q).Cmp(key.Primes[1]), "q")
			assert.Zero(t, hexInt(t, v.DP).Cmp(key.Precomputed.Dp), "dp")
			assert.Zero(t, hexInt(t, v.DQ).Cmp(key.Precomputed.Dq), "dq")
			assert.Zero(t, hexInt(t, v.QInv).Cmp(key.Precomputed.Qinv), "qinv")

			assert.Equal(t, v.PublicPKCS1, PublicKeyPEM(&key.PublicKey))
			assert.Equal(t, v.PublicSPKI, PublicKeySPKIPEM(&key.PublicKey))
			private, err := PrivateKeyPEM(key)
			require.NoError(t, err)
			// Compared as a whole but never printed: a mismatch reports only
			// that it differs.
			assert.True(t, v.PrivatePKCS8 == private, "PKCS#8 private PEM differs")
		})
	}
}
