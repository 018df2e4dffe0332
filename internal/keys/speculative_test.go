package keys

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Speculative derivation must draw exactly what the sequential one draws,
// whatever the batch size, and so give the vectors' keys.
func TestDeriveSpeculativeVectors(t *testing.T) {
	for i, v := range testvectors.Derivations(t) {
		if v.Bits != 2048 {
			continue
		}
		for _, batch := range []int{1, 2, 5} {
			t.Run(fmt.Sprintf("vector%d-batch%d", i, batch), func(t *testing.T) {
				secret := testvectors.Hex(t, v.SecretHex)
				jobs := 0
				counting := func(ctx context.Context, batchJobs []RoundJob) ([]bool, error) {
					jobs += len(batchJobs)
					return GoroutineProber(2)(ctx, batchJobs)
				}

				key, drawn, err := deriveWith(context.Background(), secret, v.Bits, nil,
					counting, batch)
				require.NoError(t, err)
				assert.Equal(t, v.StreamBytesDrawn, drawn, "stream bytes drawn")
				assert.Zero(t, hexInt(t, v.N).Cmp(key.N), "n")
				assert.Zero(t, hexInt(t, v.D).Cmp(key.D), "d")
				assert.Positive(t, jobs, "the prober was used")
			})
		}
	}
}

func TestDeriveSpeculativeErrors(t *testing.T) {
	failing := func(context.Context, []RoundJob) ([]bool, error) {
		return nil, errors.New("worker lost")
	}
	_, err := DeriveSpeculative(context.Background(), []byte("a"), 2048, nil, failing, 2)
	assert.EqualError(t, err, "worker lost")

	short := func(context.Context, []RoundJob) ([]bool, error) { return nil, nil }
	_, err = DeriveSpeculative(context.Background(), []byte("a"), 2048, nil, short, 2)
	assert.ErrorContains(t, err, "internal error")

	_, err = DeriveSpeculative(context.Background(), []byte("a"), 2048, nil, nil, 2)
	assert.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = DeriveSpeculative(ctx, []byte("a"), 2048, nil, GoroutineProber(2), 2)
	assert.ErrorIs(t, err, context.Canceled)
}

// MillerRabinRound agrees with the definition on known primes and on
// composites, including a strong pseudoprime to base 2.
func TestMillerRabinRound(t *testing.T) {
	prime, _ := new(big.Int).SetString("170141183460469231731687303715884105727", 10) // 2^127-1
	assert.True(t, MillerRabinRound(prime, big.NewInt(3)))
	assert.True(t, MillerRabinRound(prime, big.NewInt(12345)))

	assert.False(t, MillerRabinRound(big.NewInt(1000001), big.NewInt(2))) // 101 * 9901
	// 2047 = 23 * 89 is a strong pseudoprime to base 2, not to base 3.
	assert.True(t, MillerRabinRound(big.NewInt(2047), big.NewInt(2)))
	assert.False(t, MillerRabinRound(big.NewInt(2047), big.NewInt(3)))
}

// The small-factor shortcut may only ever reject rounds that fail at full
// size. Checked exhaustively on small odd composites, where passing rounds
// (strong liars) are common.
func TestSmallFactorShortcutIsSound(t *testing.T) {
	decided, liars := 0, 0
	for n := int64(9); n < 2500; n += 2 {
		if big.NewInt(n).ProbablyPrime(10) {
			continue
		}
		c := newCandidate(big.NewInt(n))
		for b := int64(2); b <= n-2; b++ {
			base := big.NewInt(b)
			passes := c.fullRound(base)
			if passes {
				liars++
			}
			if c.failsModuloFactors(base) {
				decided++
				require.False(t, passes, "n=%d base=%d: rejected a passing round", n, b)
			}
		}
	}
	assert.Positive(t, liars)
	assert.Positive(t, decided)
}
