// Package aescbc reads and writes Coretex's encrypted file format: a fresh
// 16-byte IV followed by the AES-256-CBC encryption of the PKCS#7-padded
// plaintext (docs/FORMAT.md, section "Encrypted files").
//
// Both directions are streams driven chunk by chunk, so memory stays bounded
// whatever the size of the file: an Encrypter or Decrypter holds at most one
// block between calls.
//
// The format has no authentication. A reader cannot tell a wrong key, or a
// file cut at a block boundary, from the right one: it yields bytes of the
// same length that are not the plaintext. Only a malformed length is an
// error.
package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

const (
	// KeySize is the size of a project key: AES-256.
	KeySize = 32
	// BlockSize is the AES block size, and the size of the IV.
	BlockSize = aes.BlockSize
)

var (
	// ErrKeySize is returned for a key that is not 32 bytes long.
	ErrKeySize = fmt.Errorf("aescbc: the key must be %d bytes (AES-256)", KeySize)

	// ErrTooShort is returned for a file shorter than its 16-byte IV.
	ErrTooShort = errors.New("aescbc: the file is shorter than 16 bytes: not an encrypted file")

	// ErrNotWholeBlocks is returned for a file whose ciphertext after the
	// IV is not a multiple of 16 bytes, as a truncated file usually is.
	ErrNotWholeBlocks = errors.New("aescbc: the file is truncated or damaged: " +
		"its length after the 16-byte IV is not a multiple of 16")

	errFinished = errors.New("aescbc: Final was already called")
)

func newBlock(key []byte) (cipher.Block, error) {
	if len(key) != KeySize {
		return nil, ErrKeySize
	}
	return aes.NewCipher(key)
}

// Encrypter writes one file. Update may be called any number of times with
// any chunk sizes, then Final once; the concatenation of their outputs is the
// whole file, IV first.
type Encrypter struct {
	mode    cipher.BlockMode
	iv      [BlockSize]byte
	started bool // the IV has been emitted
	pending [BlockSize]byte
	n       int // bytes of pending in use
	done    bool
}

// NewEncrypter starts a file under key with a fresh IV from crypto/rand.
func NewEncrypter(key []byte) (*Encrypter, error) {
	var iv [BlockSize]byte
	if _, err := rand.Read(iv[:]); err != nil {
		return nil, fmt.Errorf("aescbc: no secure random source: %w", err)
	}
	return newEncrypterIV(key, iv[:])
}

// newEncrypterIV starts a file with a given IV. Reusing an IV with the same
// key leaks which files begin alike, so only tests choose one.
func newEncrypterIV(key, iv []byte) (*Encrypter, error) {
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	e := &Encrypter{mode: cipher.NewCBCEncrypter(block, iv)}
	copy(e.iv[:], iv)
	return e, nil
}

// Update appends to dst the file bytes that plaintext completes and returns
// the extended slice. Up to 15 bytes are held until the next call.
func (e *Encrypter) Update(dst, plaintext []byte) []byte {
	if e.done {
		panic(errFinished)
	}
	if !e.started {
		dst = append(dst, e.iv[:]...)
		e.started = true
	}

	if e.n > 0 {
		k := copy(e.pending[e.n:], plaintext)
		e.n += k
		plaintext = plaintext[k:]
		if e.n < BlockSize {
			return dst
		}
		dst = appendCrypted(e.mode, dst, e.pending[:])
		e.n = 0
	}

	whole := len(plaintext) &^ (BlockSize - 1)
	dst = appendCrypted(e.mode, dst, plaintext[:whole])
	e.n = copy(e.pending[:], plaintext[whole:])
	return dst
}

// Final appends the last block, which carries the PKCS#7 padding (a whole
// block of it when the plaintext is a multiple of 16 bytes), and ends the
// file. The Encrypter cannot be used afterwards.
func (e *Encrypter) Final(dst []byte) []byte {
	dst = e.Update(dst, nil)
	e.done = true

	pad := byte(BlockSize - e.n)
	for i := e.n; i < BlockSize; i++ {
		e.pending[i] = pad
	}
	dst = appendCrypted(e.mode, dst, e.pending[:])
	clear(e.pending[:])
	return dst
}

// Decrypter reads one file. Update may be called any number of times with
// any chunk sizes, then Final once; the concatenation of their outputs is the
// plaintext. The last block is held back until Final, where its padding is
// decided.
type Decrypter struct {
	block   cipher.Block
	mode    cipher.BlockMode // nil until the IV is complete
	iv      [BlockSize]byte
	ivLen   int
	pending [BlockSize]byte // ciphertext not yet decrypted: 1 to 16 bytes once started
	n       int
	total   int64 // file bytes seen, IV included
	done    bool
}

// NewDecrypter starts reading a file under key.
func NewDecrypter(key []byte) (*Decrypter, error) {
	block, err := newBlock(key)
	if err != nil {
		return nil, err
	}
	return &Decrypter{block: block}, nil
}

// Update appends to dst the plaintext that file bytes make certain and
// returns the extended slice. A caller must not treat that output as the
// plaintext until Final has returned no error.
func (d *Decrypter) Update(dst, file []byte) []byte {
	if d.done {
		panic(errFinished)
	}
	d.total += int64(len(file))

	if d.mode == nil {
		k := copy(d.iv[d.ivLen:], file)
		d.ivLen += k
		file = file[k:]
		if d.ivLen < BlockSize {
			return dst
		}
		d.mode = cipher.NewCBCDecrypter(d.block, d.iv[:])
	}

	// Hold back the last 1 to 16 bytes: a whole block if the data so far is
	// whole blocks, since it may be the padded last one.
	available := d.n + len(file)
	if available <= BlockSize {
		d.n += copy(d.pending[d.n:], file)
		return dst
	}
	keep := available % BlockSize
	if keep == 0 {
		keep = BlockSize
	}
	ready := available - keep

	if d.n > 0 {
		k := copy(d.pending[d.n:], file)
		file = file[k:]
		dst = appendCrypted(d.mode, dst, d.pending[:])
		ready -= BlockSize
		d.n = 0
	}
	dst = appendCrypted(d.mode, dst, file[:ready])
	d.n = copy(d.pending[:], file[ready:])
	return dst
}

// Final appends the rest of the plaintext and ends the file. It fails with
// ErrTooShort or ErrNotWholeBlocks for a malformed length, in which case
// nothing already returned may be used. The Decrypter cannot be used
// afterwards.
func (d *Decrypter) Final(dst []byte) ([]byte, error) {
	if d.done {
		return dst, errFinished
	}
	d.done = true

	switch {
	case d.total < BlockSize:
		return dst, ErrTooShort
	case (d.total-BlockSize)%BlockSize != 0:
		return dst, ErrNotWholeBlocks
	case d.n == 0:
		return dst, nil // an IV alone is the empty file
	}

	last := d.pending[:]
	d.mode.CryptBlocks(last, last)
	dst = append(dst, last[:BlockSize-paddingLen(last)]...)
	clear(d.pending[:])
	return dst, nil
}

// paddingLen returns the length of the PKCS#7 padding that ends the last
// block, or 0 if the block does not end in valid padding. Coretex's own
// writer leaves whole-block plaintexts unpadded, so such a block is kept as
// data rather than refused. The standard library has no PKCS#7 check.
func paddingLen(last []byte) int {
	pad := int(last[BlockSize-1])
	if pad == 0 || pad > BlockSize {
		return 0
	}
	for _, b := range last[BlockSize-pad:] {
		if int(b) != pad {
			return 0
		}
	}
	return pad
}

// appendCrypted runs mode over src and appends the result to dst.
func appendCrypted(mode cipher.BlockMode, dst, src []byte) []byte {
	if len(src) == 0 {
		return dst
	}
	start := len(dst)
	dst = append(dst, make([]byte, len(src))...)
	mode.CryptBlocks(dst[start:], src)
	return dst
}
