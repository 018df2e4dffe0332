package mrround

import (
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Passes agrees with the definition on a prime, on composites and on a
// strong pseudoprime to base 2; Valid refuses what Passes cannot take.
func TestPasses(t *testing.T) {
	prime, _ := new(big.Int).SetString("170141183460469231731687303715884105727", 10) // 2^127-1
	assert.True(t, Passes(prime, big.NewInt(3)))
	assert.True(t, Passes(big.NewInt(2047), big.NewInt(2))) // 23 * 89
	assert.False(t, Passes(big.NewInt(2047), big.NewInt(3)))
	assert.False(t, Passes(big.NewInt(1000001), big.NewInt(2))) // 101 * 9901

	assert.True(t, Valid(big.NewInt(2047), big.NewInt(2045)))
	assert.False(t, Valid(big.NewInt(2047), big.NewInt(2046)))
	assert.False(t, Valid(big.NewInt(2047), big.NewInt(1)))
	assert.False(t, Valid(big.NewInt(2048), big.NewInt(3)))
	assert.False(t, Valid(big.NewInt(5), big.NewInt(2)))
}
