package keys

import (
	"crypto/sha256"
	"math/big"
)

// seedStream is the deterministic byte source of one derivation (format
// document, section 2): SHA-256(seed), then SHA-256 of that block, and so on,
// read front to back without reuse.
type seedStream struct {
	block [sha256.Size]byte
	used  int   // bytes of block already handed out
	drawn int64 // bytes handed out in total
}

func newSeedStream(seed []byte) *seedStream {
	return &seedStream{block: sha256.Sum256(seed)}
}

// read fills p with the next len(p) bytes of the stream.
func (s *seedStream) read(p []byte) {
	for len(p) > 0 {
		if s.used == len(s.block) {
			s.block = sha256.Sum256(s.block[:])
			s.used = 0
		}
		n := copy(p, s.block[s.used:])
		s.used += n
		s.drawn += int64(n)
		p = p[n:]
	}
}

// randomBits draws a number of at most bits bits, with the top bit forced on
// when exact is set (section 3). The leading byte is drawn first, then the
// rest, as the reference does.
func (s *seedStream) randomBits(bits int, exact bool, buf []byte) *big.Int {
	size := (bits + 7) / 8
	top := bits - 8*(size-1) // bits used in the leading byte
	buf = buf[:size]

	s.read(buf[:1])
	if exact {
		buf[0] |= 1 << (top - 1)
	}
	buf[0] &= byte(1<<top - 1)
	s.read(buf[1:])

	return new(big.Int).SetBytes(buf)
}

// randomBelowOrEqual draws uniformly from [0, limit] by rejection, one
// "at most bitlen(limit) bits" draw at a time (section 3).
func (s *seedStream) randomBelowOrEqual(limit *big.Int, buf []byte) *big.Int {
	bits := limit.BitLen()
	for {
		r := s.randomBits(bits, false, buf)
		if r.Cmp(limit) <= 0 {
			return r
		}
	}
}
