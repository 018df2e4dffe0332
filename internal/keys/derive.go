// Package keys turns a typed secret into an RSA master key exactly as the
// Coretex platform does, and owns everything done with such keys: their PEM
// encodings, the master-key challenge, and wrapping project keys and secrets.
//
// The derivation is specified byte for byte in docs/FORMAT.md; a key that
// differs from the reference in a single bit locks its owner out of their
// data, so every step here follows that document and cites its section.
package keys

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
)

// DefaultBits is the size of a master key unless the caller asks otherwise.
const DefaultBits = 2048

// publicExponent is e for every derived key (section 6).
const publicExponent = 65537

var (
	// ErrEmptySecret is returned when the secret has no bytes at all.
	ErrEmptySecret = errors.New("keys: the secret is empty; type at least one character")

	// ErrUnsupportedBits is returned for a key size other than 2048, 3072
	// or 4096 bits.
	ErrUnsupportedBits = errors.New("keys: unsupported key size")
)

// Derive turns secret into its RSA key of the given size (2048, 3072 or
// 4096 bits), the same key that the Coretex reference derives from the same
// bytes (sections 1 to 6). The secret is used exactly as given: no trimming
// and no Unicode normalisation.
//
// Derivation takes from well under a second to several seconds. It stops
// with ctx's error when ctx is done, and calls progress, if not nil, with the
// number of prime candidates drawn so far, once per candidate.
func Derive(ctx context.Context, secret []byte, bits int,
	progress func(candidates int)) (*rsa.PrivateKey, error) {
	key, _, err := derive(ctx, secret, bits, progress)
	return key, err
}

// DeriveSpeculative derives the same key as Derive, handing full-size
// Miller-Rabin rounds to prober batch at a time (batch >= 1) so that they
// can run in parallel. The rounds of a batch beyond the first one that
// passes are wasted work, so batch is best about the number of parallel
// workers behind prober.
func DeriveSpeculative(ctx context.Context, secret []byte, bits int,
	progress func(candidates int), prober RoundProber, batch int) (*rsa.PrivateKey, error) {
	if prober == nil || batch < 1 {
		return nil, errors.New("keys: DeriveSpeculative needs a prober and a batch of at least 1")
	}
	key, _, err := deriveWith(ctx, secret, bits, progress, prober, batch)
	return key, err
}

// derive is Derive that also reports how many stream bytes it drew, the
// first figure to compare when a key comes out wrong.
func derive(ctx context.Context, secret []byte, bits int,
	progress func(int)) (*rsa.PrivateKey, int64, error) {
	return deriveWith(ctx, secret, bits, progress, nil, 0)
}

func deriveWith(ctx context.Context, secret []byte, bits int, progress func(int),
	prober RoundProber, batch int) (*rsa.PrivateKey, int64, error) {
	if len(secret) == 0 {
		return nil, 0, ErrEmptySecret
	}
	if bits != 2048 && bits != 3072 && bits != 4096 {
		return nil, 0, fmt.Errorf("%w: %d bits; use 2048, 3072 or 4096",
			ErrUnsupportedBits, bits)
	}

	stream := newSeedStream(secret)
	search := &primeSearch{
		stream:    stream,
		buf:       make([]byte, bits/8+1),
		ctx:       ctx,
		progress:  progress,
		prober:    prober,
		batchSize: batch,
	}

	e := big.NewInt(publicExponent)
	qBits := bits / 2
	pBits := bits - qBits

	// Both primes must exceed sqrt(2^(2*qBits-1)) so that n has all its
	// bits; p and q have the same size for every size accepted here.
	minPrime := new(big.Int).Lsh(bigOne, uint(2*qBits-1))
	minPrime.Sqrt(minPrime)
	minDistance := new(big.Int).Lsh(bigOne, uint(bits/2-100))
	dLimit := new(big.Int).Lsh(bigOne, uint(bits/2))

	gcd := new(big.Int)
	coprimeToE := func(c *big.Int) bool {
		cMinusOne := new(big.Int).Sub(c, bigOne)
		return gcd.GCD(nil, nil, cMinusOne, e).Cmp(bigOne) == 0
	}

	var p, q, n, d *big.Int
	n, d = big.NewInt(1), big.NewInt(1)
	// The reference loops while n is short and d is small; with the
	// filters below n always comes out full-size, but the loop is kept so
	// that the draws match in every case.
	for n.BitLen() != bits && d.Cmp(dLimit) < 0 {
		var err error
		p, err = search.next(pBits, func(c *big.Int) bool {
			return c.Cmp(minPrime) > 0 && coprimeToE(c)
		})
		if err != nil {
			return nil, stream.drawn, err
		}

		distance := new(big.Int)
		q, err = search.next(qBits, func(c *big.Int) bool {
			if c.Cmp(minPrime) <= 0 || !coprimeToE(c) {
				return false
			}
			return distance.Sub(c, p).Abs(distance).Cmp(minDistance) > 0
		})
		if err != nil {
			return nil, stream.drawn, err
		}

		n = new(big.Int).Mul(p, q)
		d = privateExponent(e, p, q)
	}
	if p.Cmp(q) > 0 {
		p, q = q, p
	}

	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n, E: publicExponent},
		D:         d,
		Primes:    []*big.Int{p, q},
	}
	key.Precompute()
	if err := key.Validate(); err != nil {
		// Cannot happen for primes that passed the tests above.
		return nil, stream.drawn, fmt.Errorf("keys: internal error: derived key is invalid: %w", err)
	}
	return key, stream.drawn, nil
}

// privateExponent is e^-1 modulo lcm(p-1, q-1), Carmichael's function, as the
// reference computes it (not Euler's).
func privateExponent(e, p, q *big.Int) *big.Int {
	pMinusOne := new(big.Int).Sub(p, bigOne)
	qMinusOne := new(big.Int).Sub(q, bigOne)
	g := new(big.Int).GCD(nil, nil, pMinusOne, qMinusOne)
	lcm := new(big.Int).Mul(pMinusOne, qMinusOne)
	lcm.Quo(lcm, g)
	return new(big.Int).ModInverse(e, lcm)
}
