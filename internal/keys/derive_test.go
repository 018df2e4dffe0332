package keys

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"
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

			d := derived(t, string(secret), v.Bits)
			key, drawn := d.key, d.drawn

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
			assert.Equal(t, v.Bits, key.N.BitLen(), "modulus size")
			assert.Len(t, key.Primes, 2)
			assert.Negative(t, key.Primes[0].Cmp(key.Primes[1]), "p < q (section 6)")

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

// TestDeriveExported checks that Derive, the exported entry point, gives the
// key that the vectors pin, and that progress counts candidates 1, 2, 3, ...
// without a gap. It derives afresh (the progress calls are the point), so it
// uses the vector with the fewest draws.
func TestDeriveExported(t *testing.T) {
	v := cheapestVector(t)
	want := derivedKey(t, v.Secret, v.Bits)

	var calls []int
	key, err := Derive(context.Background(), []byte(v.Secret), v.Bits, func(candidates int) {
		calls = append(calls, candidates)
	})
	require.NoError(t, err)
	assert.True(t, want.Equal(key), "Derive differs from the vector key")

	require.NotEmpty(t, calls)
	for i, c := range calls {
		if c != i+1 {
			t.Fatalf("progress call %d reported %d candidates, want %d", i, c, i+1)
		}
	}
}

func cheapestVector(t *testing.T) testvectors.Derive {
	t.Helper()
	vectors := testvectors.Derivations(t)
	require.NotEmpty(t, vectors)
	best := vectors[0]
	for _, v := range vectors {
		if v.StreamBytesDrawn < best.StreamBytesDrawn {
			best = v
		}
	}
	return best
}

func TestDeriveEmptySecret(t *testing.T) {
	for _, secret := range [][]byte{nil, {}} {
		called := false
		key, err := Derive(context.Background(), secret, DefaultBits, func(int) { called = true })
		assert.Nil(t, key)
		assert.Same(t, ErrEmptySecret, err)
		assert.Equal(t, "keys: the secret is empty; type at least one character", err.Error())
		assert.False(t, called, "no work before the secret is checked")
	}
}

func TestDeriveUnsupportedBits(t *testing.T) {
	for _, bits := range []int{0, -2048, 1, 1024, 2047, 2049, 4095, 8192} {
		t.Run(strconv.Itoa(bits), func(t *testing.T) {
			called := false
			key, err := Derive(context.Background(), []byte("a"), bits, func(int) { called = true })
			assert.Nil(t, key)
			require.ErrorIs(t, err, ErrUnsupportedBits)
			assert.Equal(t, fmt.Sprintf("keys: unsupported key size: %d bits; use 2048, 3072 or 4096",
				bits), err.Error())
			assert.False(t, called, "no work before the size is checked")
		})
	}
}

// TestDeriveEmptySecretFirst: with both inputs wrong, the secret is named.
func TestDeriveEmptySecretFirst(t *testing.T) {
	_, err := Derive(context.Background(), nil, 1024, nil)
	assert.Same(t, ErrEmptySecret, err)
}

func TestDeriveCancelled(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		key, err := Derive(ctx, []byte("a"), DefaultBits, func(int) { called = true })
		assert.Nil(t, key)
		assert.Same(t, context.Canceled, err)
		assert.False(t, called, "no candidate is drawn under a cancelled context")
	})

	t.Run("during", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		const stopAt = 5
		var calls []int
		key, err := Derive(ctx, []byte("a"), DefaultBits, func(candidates int) {
			calls = append(calls, candidates)
			if candidates == stopAt {
				cancel()
			}
		})
		assert.Nil(t, key)
		assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
		assert.Equal(t, []int{1, 2, 3, 4, 5}, calls, "stops at the next candidate")
	})

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 0)
		defer cancel()
		<-ctx.Done()
		_, err := Derive(ctx, []byte("a"), DefaultBits, nil)
		assert.Equal(t, context.DeadlineExceeded, err)
	})
}

// TestDeriveNoNormalisation: the seed is the secret's bytes as typed
// (section 1), so the two spellings of "é" are two secrets.
func TestDeriveNoNormalisation(t *testing.T) {
	if testing.Short() {
		t.Skip("two extra derivations run in the full run")
	}
	composed := derivedKey(t, "caf\u00e9", DefaultBits)
	decomposed := derivedKey(t, "cafe\u0301", DefaultBits)
	assert.NotZero(t, composed.N.Cmp(decomposed.N), "two spellings gave one key")
	assert.Equal(t, DefaultBits, composed.N.BitLen())
	assert.Equal(t, DefaultBits, decomposed.N.BitLen())
}
