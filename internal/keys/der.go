package keys

import (
	"errors"
	"math/big"
)

// The few DER structures of section 7, written and read by hand: the
// encoding/asn1 package works by reflection and would add a tenth to the
// WebAssembly module for five types (INTEGER, BIT STRING, OCTET STRING,
// NULL, OBJECT IDENTIFIER) and SEQUENCE. Reading is strict DER, as
// encoding/asn1 is: minimal lengths and integers, no indefinite lengths.
// Like encoding/asn1 reading into a struct, elements after the last one
// expected in a SEQUENCE are ignored (later versions of a format add them).

// DER tags (X.690), universal class.
const (
	tagInteger     = 0x02
	tagBitString   = 0x03
	tagOctetString = 0x04
	tagNull        = 0x05
	tagOID         = 0x06
	tagSequence    = 0x30
)

// oidRSAEncryption is the DER content of rsaEncryption, 1.2.840.113549.1.1.1
// (RFC 8017, appendix A.1): the algorithm of RSA keys in SPKI and PKCS#8.
var oidRSAEncryption = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}

var errDER = errors.New("keys: not valid DER")

// derElement appends one element with the given tag and content.
func derElement(out []byte, tag byte, content ...[]byte) []byte {
	size := 0
	for _, c := range content {
		size += len(c)
	}
	out = append(out, tag)
	switch {
	case size < 0x80:
		out = append(out, byte(size))
	case size < 0x100:
		out = append(out, 0x81, byte(size))
	case size < 0x10000:
		out = append(out, 0x82, byte(size>>8), byte(size))
	default:
		out = append(out, 0x83, byte(size>>16), byte(size>>8), byte(size))
	}
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

// derInteger is the INTEGER element of x >= 0.
func derInteger(x *big.Int) []byte {
	content := x.Bytes()
	if len(content) == 0 || content[0]&0x80 != 0 {
		content = append([]byte{0}, content...)
	}
	return derElement(nil, tagInteger, content)
}

// rsaAlgorithm is the AlgorithmIdentifier of rsaEncryption with the NULL
// parameters RFC 8017 requires.
func rsaAlgorithm() []byte {
	return derElement(nil, tagSequence, derElement(nil, tagOID, oidRSAEncryption),
		[]byte{tagNull, 0})
}

// derReader reads the elements of one DER content in turn.
type derReader struct {
	rest []byte
	err  error
}

// next reads the next element, which must have the given tag, and returns
// its content.
func (r *derReader) next(tag byte) []byte {
	if r.err != nil {
		return nil
	}
	gotTag, content, rest, err := readElement(r.rest)
	if err == nil && gotTag != tag {
		err = errDER
	}
	if err != nil {
		r.err = err
		return nil
	}
	r.rest = rest
	return content
}

// nextAny reads the next element whatever its tag.
func (r *derReader) nextAny() (tag byte, content []byte) {
	if r.err != nil {
		return 0, nil
	}
	tag, content, rest, err := readElement(r.rest)
	if err != nil {
		r.err = err
		return 0, nil
	}
	r.rest = rest
	return tag, content
}

// more reports whether elements are left.
func (r *derReader) more() bool { return r.err == nil && len(r.rest) > 0 }

// integer reads a non-negative INTEGER.
func (r *derReader) integer() *big.Int {
	content := r.next(tagInteger)
	if r.err != nil {
		return nil
	}
	switch {
	case len(content) == 0:
		r.err = errDER
	case len(content) > 1 && content[0] == 0 && content[1]&0x80 == 0,
		len(content) > 1 && content[0] == 0xff && content[1]&0x80 != 0:
		r.err = errDER // not minimal
	case content[0]&0x80 != 0:
		r.err = errors.New("keys: a negative number")
	}
	if r.err != nil {
		return nil
	}
	return new(big.Int).SetBytes(content)
}

// smallInteger reads a non-negative INTEGER below 2^31.
func (r *derReader) smallInteger() int {
	x := r.integer()
	if r.err != nil {
		return 0
	}
	if x.BitLen() > 31 {
		r.err = errors.New("keys: a number too large")
		return 0
	}
	return int(x.Int64())
}

// readElement splits off the first element of b: single-byte tags, and
// definite, minimal lengths below 2^24.
func readElement(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, errDER
	}
	tag, size, header := b[0], int(b[1]), 2
	if size&0x80 != 0 {
		n := size & 0x7f
		if n == 0 || n > 3 || len(b) < 2+n || b[2] == 0 {
			return 0, nil, nil, errDER
		}
		size = 0
		for _, x := range b[2 : 2+n] {
			size = size<<8 | int(x)
		}
		if size < 0x80 {
			return 0, nil, nil, errDER
		}
		header += n
	}
	if len(b)-header < size {
		return 0, nil, nil, errDER
	}
	return tag, b[header : header+size], b[header+size:], nil
}

// readAlgorithm reads an AlgorithmIdentifier and reports whether it is
// rsaEncryption, and whether its parameters are the NULL it must carry.
func readAlgorithm(r *derReader) (isRSA, nullParams bool) {
	algorithm := derReader{rest: r.next(tagSequence)}
	oid := algorithm.next(tagOID)
	nullParams = false
	if algorithm.more() {
		tag, content := algorithm.nextAny()
		nullParams = tag == tagNull && len(content) == 0
	}
	if algorithm.err != nil && r.err == nil {
		r.err = algorithm.err
	}
	return string(oid) == string(oidRSAEncryption), nullParams
}

// readWhole reads the single element of der, with nothing after it, which
// must have the given tag, and returns a reader over its content.
func readWhole(der []byte, tag byte) *derReader {
	outer := &derReader{rest: der}
	content := outer.next(tag)
	if outer.err == nil && len(outer.rest) != 0 {
		outer.err = errDER
	}
	return &derReader{rest: content, err: outer.err}
}
