package aescbc

import (
	"io"
)

// chunkSize is how much Encrypt and Decrypt read at a time.
const chunkSize = 256 << 10

// Encrypt reads the plaintext from src until EOF and writes the encrypted
// file to dst under key, with a fresh IV. It returns the bytes written.
func Encrypt(dst io.Writer, src io.Reader, key []byte) (int64, error) {
	e, err := NewEncrypter(key)
	if err != nil {
		return 0, err
	}
	return pump(dst, src, e.Update, func(out []byte) ([]byte, error) { return e.Final(out), nil })
}

// Decrypt reads an encrypted file from src until EOF and writes its
// plaintext to dst under key. Plaintext is written as it is read, so on an
// error dst may hold a prefix that must be thrown away; a caller that must
// never expose one checks the length first (ValidLength).
func Decrypt(dst io.Writer, src io.Reader, key []byte) (int64, error) {
	d, err := NewDecrypter(key)
	if err != nil {
		return 0, err
	}
	return pump(dst, src, d.Update, d.Final)
}

// ValidLength reports whether an encrypted file of size bytes has a length
// that Decrypt accepts, and if not, the error Decrypt would return.
func ValidLength(size int64) error {
	switch {
	case size < BlockSize:
		return ErrTooShort
	case size%BlockSize != 0:
		return ErrNotWholeBlocks
	}
	return nil
}

func pump(dst io.Writer, src io.Reader,
	update func(dst, src []byte) []byte,
	final func(dst []byte) ([]byte, error)) (int64, error) {
	in := make([]byte, chunkSize)
	out := make([]byte, 0, chunkSize+2*BlockSize)
	var written int64

	for {
		n, readErr := src.Read(in)
		if n > 0 {
			out = update(out[:0], in[:n])
			m, err := dst.Write(out)
			written += int64(m)
			if err != nil {
				return written, err
			}
		}
		if readErr == io.EOF {
			break
		}
		if readErr != nil {
			return written, readErr
		}
	}

	out, err := final(out[:0])
	if err != nil {
		return written, err
	}
	m, err := dst.Write(out)
	written += int64(m)
	return written, err
}
