package keys

import (
	"context"
	"errors"
	"math/big"
	"math/bits"
	"sync"

	"github.com/ownkey/ownkey/internal/keys/mrround"
)

var (
	bigOne  = big.NewInt(1)
	bigTwo  = big.NewInt(2)
	bigFour = big.NewInt(4)
)

// primeSearch draws candidates from the seed stream and tests them exactly as
// the reference does (format document, sections 4 and 5). Every shortcut here
// must leave the sequence of draws unchanged: a single byte drawn more or
// less gives another key.
type primeSearch struct {
	stream *seedStream
	buf    []byte

	ctx      context.Context
	progress func(candidates int)
	tried    int // candidates drawn so far
	reported int // the largest count passed to progress

	prober    RoundProber // nil: every round is computed here, in order
	batchSize int
}

// RoundJob is one full-size Miller-Rabin round to evaluate: the candidate
// and the base drawn for it.
type RoundJob struct {
	Candidate *big.Int
	Base      *big.Int
}

// RoundProber evaluates the first Miller-Rabin round of several candidates,
// typically in parallel elsewhere (other Web Workers, other goroutines), and
// reports for each job whether the round passes (MillerRabinRound). It
// returns one result per job, in order, or an error that ends the
// derivation.
type RoundProber func(ctx context.Context, jobs []RoundJob) ([]bool, error)

// MillerRabinRound reports whether the Miller-Rabin round of section 5.1
// with this base passes for the odd candidate c > 5, base in [2, c-2]. It is
// what a RoundProber computes for each job.
func MillerRabinRound(c, base *big.Int) bool {
	return newCandidate(c).fullRound(base)
}

// next returns the first candidate of exactly bitLen bits, with its low bit
// set, that accept admits and that passes the primality test.
func (ps *primeSearch) next(bitLen int, accept func(*big.Int) bool) (*big.Int, error) {
	if ps.prober != nil {
		return ps.nextSpeculative(bitLen, accept)
	}
	for {
		c, err := ps.drawCandidate(bitLen, accept)
		if err != nil {
			return nil, err
		}
		if ps.millerRabin(c, 0) && lucas(c.c) {
			return c.c, nil
		}
	}
}

// drawCandidate draws candidates until accept admits one. The filter draws
// nothing from the stream.
func (ps *primeSearch) drawCandidate(bitLen int, accept func(*big.Int) bool) (*candidate, error) {
	for {
		if err := ps.ctx.Err(); err != nil {
			return nil, err
		}
		ps.tried++
		if ps.progress != nil && ps.tried > ps.reported {
			ps.reported = ps.tried
			ps.progress(ps.tried)
		}

		c := ps.stream.randomBits(bitLen, true, ps.buf)
		c.SetBit(c, 0, 1)
		if accept(c) {
			return newCandidate(c), nil
		}
	}
}

// drawBase draws the base of one round, uniform in [2, c-2].
func (ps *primeSearch) drawBase(c *candidate) *big.Int {
	base := ps.stream.randomBelowOrEqual(c.baseRange, ps.buf)
	return base.Add(base, bigTwo)
}

// nextSpeculative finds the same prime as next, but hands the full-size
// first rounds of several candidates at a time to ps.prober. The stream
// positions of later candidates depend only on earlier rounds failing, so
// the batch is drawn assuming they all fail; when one passes, the stream is
// rewound to just after its base and the search goes on from there, as the
// sequential search would have.
func (ps *primeSearch) nextSpeculative(bitLen int, accept func(*big.Int) bool) (*big.Int, error) {
	type speculation struct {
		candidate *candidate
		base      *big.Int
		after     seedStream // the stream just after base was drawn
		tried     int
	}

	for {
		var batch []speculation
		var jobs []RoundJob
		for len(batch) < ps.batchSize {
			c, err := ps.drawCandidate(bitLen, accept)
			if err != nil {
				return nil, err
			}
			base := ps.drawBase(c)
			if c.failsModuloFactors(base) {
				continue
			}
			batch = append(batch, speculation{c, base, *ps.stream, ps.tried})
			jobs = append(jobs, RoundJob{Candidate: c.c, Base: base})
		}

		passes, err := ps.prober(ps.ctx, jobs)
		if err != nil {
			return nil, err
		}
		if len(passes) != len(jobs) {
			return nil, errors.New("keys: internal error: the round prober answered " +
				"a different number of jobs")
		}
		for i, s := range batch {
			if !passes[i] {
				continue
			}
			*ps.stream = s.after
			ps.tried = s.tried
			if ps.millerRabin(s.candidate, 1) && lucas(s.candidate.c) {
				return s.candidate.c, nil
			}
			break // composite after all: search on from here
		}
	}
}

// millerRabinRounds is the reference's table of rounds by bit length.
func millerRabinRounds(bitLen int) int {
	limits := [...]struct{ below, rounds int }{
		{220, 30}, {280, 20}, {390, 15}, {512, 10}, {620, 7}, {740, 6},
		{890, 5}, {1200, 4}, {1700, 3}, {3700, 2},
	}
	for _, l := range limits {
		if bitLen < l.below {
			return l.rounds
		}
	}
	return 1
}

// candidate holds what the Miller-Rabin rounds of one candidate share.
type candidate struct {
	c, cMinusOne *big.Int
	m            *big.Int // c - 1 = m * 2^a, m odd
	a            int
	baseRange    *big.Int // bases are 2 + [0, c-4]
	factors      *factorScan
}

func newCandidate(c *big.Int) *candidate {
	cMinusOne, m, a := mrround.Split(c)
	return &candidate{
		c:         c,
		cMinusOne: cMinusOne,
		m:         m,
		a:         a,
		baseRange: new(big.Int).Sub(c, bigFour),
		factors:   &factorScan{c: c},
	}
}

// millerRabin runs the rounds of section 5.1 on an odd candidate c > 5,
// skipping the first done rounds, which have passed already. Each round
// draws its base before anything else is decided, and the first failed
// round ends the test, so draws depend only on round outcomes.
func (ps *primeSearch) millerRabin(c *candidate, done int) bool {
	for round := done; round < millerRabinRounds(c.c.BitLen()); round++ {
		base := ps.drawBase(c)
		if c.failsModuloFactors(base) || !c.fullRound(base) {
			return false
		}
	}
	return true
}

// failsModuloFactors reports whether the round with this base is certain to
// fail judging by c's small prime factors, so that the full-size
// exponentiation can be skipped. Most candidates have such factors.
func (c *candidate) failsModuloFactors(base *big.Int) bool {
	return roundFailsModulo(base, c.m, c.a, c.factors)
}

// fullRound computes the round with this base at full size.
func (c *candidate) fullRound(base *big.Int) bool {
	return mrround.PassesSplit(c.c, c.cMinusOne, c.m, c.a, base)
}

// roundFailsModulo reports whether the Miller-Rabin round with this base is
// certain to fail for the candidate c of factors, where c - 1 = m * 2^a,
// judging by c's small prime factors. False means "not decided", never
// "passes".
//
// The round passes when z = base^m is 1 modulo c, or when the sequence z,
// z^2, z^4, ... meets -1 modulo c at some step j < a. Either outcome holds
// modulo every factor f of c as well, and at the same step: once the
// sequence is -1 modulo a prime, every later term is 1. So if some factor
// shows neither outcome, or two factors show different ones, the round
// fails modulo c.
func roundFailsModulo(base, m *big.Int, a int, factors *factorScan) bool {
	agreed := outcomeNone
	for i := 0; i < len(factors.found) || factors.scanMore(); i++ {
		outcome := roundOutcome(base, m, a, factors.found[i])
		if outcome == outcomeFails || (agreed != outcomeNone && outcome != agreed) {
			return true
		}
		agreed = outcome
	}
	return false
}

// Outcomes of a Miller-Rabin round modulo one prime: the step at which the
// sequence first meets -1, or one of these.
const (
	outcomeOne   = -1 // base^m = 1
	outcomeFails = -3 // neither 1 nor -1 within a steps
	outcomeNone  = -4 // no factor looked at yet
)

func roundOutcome(base, m *big.Int, a int, f uint32) int {
	x := modWord(base, f)
	if x == 0 {
		return outcomeFails // every power is 0 modulo f
	}

	// x^(f-1) = 1 modulo the prime f, so the exponent reduces modulo f-1.
	y := powMod(x, modWord(m, f-1), uint64(f))
	if y == 1 {
		return outcomeOne
	}
	for j := 0; j < a; j++ {
		if y == uint64(f)-1 {
			return j
		}
		y = y * y % uint64(f)
	}
	return outcomeFails
}

func powMod(x, e, mod uint64) uint64 {
	result := uint64(1) % mod
	x %= mod
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			result = result * x % mod
		}
		x = x * x % mod
	}
	return result
}

// modWord returns x mod d for 0 < d < 2^32, 32 bits at a time so that every
// step is a native 64-bit division, also on js/wasm.
func modWord(x *big.Int, d uint32) uint64 {
	words := x.Bits()
	mod := uint64(d)
	var r uint64
	for i := len(words) - 1; i >= 0; i-- {
		w := uint64(words[i])
		if bits.UintSize == 64 {
			r = (r<<32 | w>>32) % mod
		}
		r = (r<<32 | w&0xffffffff) % mod
	}
	return r
}

// groupResidue returns x mod the product of smallPrimeGroups[g] without a
// division per word: x is a sum of 16-bit digits times powers of 2^16, so
// x mod d is the sum of each digit times that power mod d (precomputed),
// reduced once. Each term is below 2^48, so up to 2^16 of them fit in 64
// bits. On js/wasm, where a 64-bit division costs tens of cycles and
// candidates are scanned against hundreds of groups, this is most of the
// time the scan takes.
func groupResidue(x *big.Int, g int) uint64 {
	words := x.Bits()
	powers := groupPowers()[g]
	const digitsPerWord = bits.UintSize / 16
	if len(words)*digitsPerWord > len(powers) {
		return modWord(x, smallPrimeGroups[g].product)
	}

	var sum uint64
	if digitsPerWord == 4 {
		for i, w := range words {
			p := powers[4*i : 4*i+4 : 4*i+4]
			x := uint64(w)
			sum += x&0xffff*uint64(p[0]) + x>>16&0xffff*uint64(p[1]) +
				x>>32&0xffff*uint64(p[2]) + x>>48*uint64(p[3])
		}
		return sum % uint64(smallPrimeGroups[g].product)
	}
	for i, w := range words {
		p := powers[i*digitsPerWord : (i+1)*digitsPerWord]
		for k := range p {
			sum += uint64(uint16(uint64(w)>>(16*k))) * uint64(p[k])
		}
	}
	return sum % uint64(smallPrimeGroups[g].product)
}

// residueDigits is how many 16-bit digits groupResidue handles: candidates
// up to 2048 bits, the primes of a 4096-bit key.
const residueDigits = 128

// groupPowers returns, for each group g, 2^(16j) mod its product for j
// below residueDigits. They are made on first use (450 kB), not when the
// program starts.
var groupPowers = sync.OnceValue(func() [][]uint32 {
	powers := make([][]uint32, len(smallPrimeGroups))
	flat := make([]uint32, len(smallPrimeGroups)*residueDigits)
	for g, group := range smallPrimeGroups {
		p := flat[g*residueDigits : (g+1)*residueDigits]
		d := uint64(group.product)
		x := 1 % d
		for j := range p {
			p[j] = uint32(x)
			x = (x << 16) % d
		}
		powers[g] = p
	}
	return powers
})

// smallPrimeGroups are products of the odd primes below smallPrimeLimit, each
// product below 2^32, with the primes it is made of.
var smallPrimeGroups = groupSmallPrimes(smallPrimeLimit)

const smallPrimeLimit = 1 << 14

type primeGroup struct {
	product uint32
	primes  []uint32
}

func groupSmallPrimes(limit uint32) []primeGroup {
	composite := make([]bool, limit)
	var groups []primeGroup
	var current primeGroup
	current.product = 1
	for n := uint32(3); n < limit; n += 2 {
		if composite[n] {
			continue
		}
		for k := n * n; k < limit; k += 2 * n {
			composite[k] = true
		}
		if uint64(current.product)*uint64(n) >= 1<<32 {
			groups = append(groups, current)
			current = primeGroup{product: 1}
		}
		current.product *= n
		current.primes = append(current.primes, n)
	}
	return append(groups, current)
}

// factorScan finds the small prime factors of a candidate c a group of
// primes at a time, so that most rounds are decided after looking at only
// the first few groups. c must be larger than every prime scanned.
type factorScan struct {
	c     *big.Int
	next  int      // the next group of smallPrimeGroups to look at
	found []uint32 // the factors found so far, in increasing order
}

// scanMore looks at further groups until it finds at least one new factor,
// and reports whether it did.
func (s *factorScan) scanMore() bool {
	for s.next < len(smallPrimeGroups) {
		g := smallPrimeGroups[s.next]
		r := groupResidue(s.c, s.next)
		s.next++
		before := len(s.found)
		for _, p := range g.primes {
			if r%uint64(p) == 0 {
				s.found = append(s.found, p)
			}
		}
		if len(s.found) > before {
			return true
		}
	}
	return false
}

// lucas is the Lucas probable-prime test of section 5.2 (FIPS 186-4, C.3.3)
// for an odd candidate c > 5. It draws nothing from the stream.
func lucas(c *big.Int) bool {
	root := new(big.Int).Sqrt(c)
	if root.Mul(root, root).Cmp(c) == 0 {
		return false
	}

	// D runs over 5, -7, 9, -11, ...; the first with Jacobi symbol -1 is used.
	d := big.NewInt(5)
	for {
		if new(big.Int).Abs(d).Cmp(c) != 0 {
			switch big.Jacobi(d, c) {
			case 0:
				return false
			case -1:
				return lucasU(c, d)
			}
		}
		if d.Sign() > 0 {
			d.Add(d, bigTwo)
		} else {
			d.Sub(d, bigTwo)
		}
		d.Neg(d)
	}
}

// lucasU reports whether U(c+1) = 0 mod c for the sequence with P = 1 and
// Q = (1 - D) / 4, computed by doubling from the top bit of c+1.
func lucasU(c, d *big.Int) bool {
	k := new(big.Int).Add(c, bigOne)
	u, v := big.NewInt(1), big.NewInt(1)
	uNext, vNext, t := new(big.Int), new(big.Int), new(big.Int)

	half := func(x *big.Int) { // x / 2 modulo odd c, for 0 <= x < c
		if x.Bit(0) == 1 {
			x.Add(x, c)
		}
		x.Rsh(x, 1)
	}

	for i := k.BitLen() - 2; i >= 0; i-- {
		// U(2j) = U(j) V(j); V(2j) = (V(j)^2 + D U(j)^2) / 2
		uNext.Mul(u, v).Mod(uNext, c)
		vNext.Mul(v, v)
		t.Mul(u, u).Mul(t, d)
		vNext.Add(vNext, t).Mod(vNext, c)
		half(vNext)

		if k.Bit(i) == 1 {
			// U(2j+1) = (U(2j) + V(2j)) / 2; V(2j+1) = (V(2j) + D U(2j)) / 2
			u.Add(uNext, vNext).Mod(u, c)
			half(u)
			v.Mul(d, uNext).Add(v, vNext).Mod(v, c)
			half(v)
		} else {
			u.Set(uNext)
			v.Set(vNext)
		}
	}
	return u.Sign() == 0
}
