package aescbc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMalformedLength(t *testing.T) {
	file := encryptChunked(t, testKey, testIV, testvectors.ChainBytes("truncated", 100), 100)
	require.Len(t, file, 128)

	for _, tc := range []struct {
		size int
		want error
	}{
		{0, ErrTooShort},
		{1, ErrTooShort},
		{15, ErrTooShort},
		{17, ErrNotWholeBlocks},
		{31, ErrNotWholeBlocks},
		{33, ErrNotWholeBlocks},
		{127, ErrNotWholeBlocks},
	} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			cut := file[:tc.size]
			assert.Same(t, tc.want, ValidLength(int64(tc.size)))

			var opened bytes.Buffer
			_, err := Decrypt(&opened, bytes.NewReader(cut), testKey)
			assert.Same(t, tc.want, err)

			for _, step := range []int{1, 16, 17, 200} {
				_, err := decryptChunked(t, testKey, cut, step)
				assert.Same(t, tc.want, err, "step %d", step)
			}
		})
	}

	assert.Equal(t, "aescbc: the file is shorter than 16 bytes: not an encrypted file",
		ErrTooShort.Error())
	assert.Equal(t, "aescbc: the file is truncated or damaged: its length after the 16-byte IV "+
		"is not a multiple of 16", ErrNotWholeBlocks.Error())
}

func TestValidLength(t *testing.T) {
	for _, size := range []int64{16, 32, 48, 1 << 40} {
		assert.NoError(t, ValidLength(size), "%d", size)
	}
	assert.Same(t, ErrTooShort, ValidLength(-1))
	assert.Same(t, ErrNotWholeBlocks, ValidLength(1<<40+1))
}

// TestIVOnly: a 16-byte file is the IV of an empty, unpadded plaintext
// (section 11).
func TestIVOnly(t *testing.T) {
	var opened bytes.Buffer
	n, err := Decrypt(&opened, bytes.NewReader(testIV), testKey)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Zero(t, opened.Len())

	for _, step := range []int{1, 7, 16} {
		plaintext, err := decryptChunked(t, testKey, testIV, step)
		require.NoError(t, err)
		assert.Empty(t, plaintext)
	}
}

// TestCutAtBlockBoundary: a file cut after a whole block has a valid length.
// The format has no MAC, so it opens without an error, to fewer bytes.
func TestCutAtBlockBoundary(t *testing.T) {
	plaintext := testvectors.ChainBytes("cut", 100)
	file := encryptChunked(t, testKey, testIV, plaintext, 100)

	var opened bytes.Buffer
	_, err := Decrypt(&opened, bytes.NewReader(file[:BlockSize+64]), testKey)
	require.NoError(t, err)
	samePlaintext(t, plaintext[:64], opened.Bytes(), "the first four blocks, unpadded")
}

func TestKeySize(t *testing.T) {
	for _, size := range []int{0, 16, 24, 31, 33, 64} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			key := make([]byte, size)
			_, err := NewEncrypter(key)
			assert.Same(t, ErrKeySize, err)
			_, err = newEncrypterIV(key, testIV)
			assert.Same(t, ErrKeySize, err)
			_, err = NewDecrypter(key)
			assert.Same(t, ErrKeySize, err)

			var out bytes.Buffer
			n, err := Encrypt(&out, bytes.NewReader([]byte("plaintext")), key)
			assert.Same(t, ErrKeySize, err)
			assert.Zero(t, n)
			n, err = Decrypt(&out, bytes.NewReader(make([]byte, 32)), key)
			assert.Same(t, ErrKeySize, err)
			assert.Zero(t, n)
			assert.Zero(t, out.Len(), "nothing written under a bad key")
		})
	}
	assert.Equal(t, "aescbc: the key must be 32 bytes (AES-256)", ErrKeySize.Error())
}

// TestWrongKey: the format has no MAC, so a wrong key is not detected.
// Decrypt returns no error and yields bytes that are not the plaintext: the
// raw decryption under the wrong key, as long as the file less its IV, or
// up to 16 bytes shorter when its last block happens to end in what looks
// like valid padding. Callers that must know check the key otherwise (the
// project key is unwrapped with the master key, whose check is section 8).
func TestWrongKey(t *testing.T) {
	wrongKey := testvectors.ChainBytes("not the key", KeySize)
	for _, n := range []int{0, 1, 16, 100, 4096} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plaintext := testvectors.ChainBytes("wrong key", n)
			file := encryptChunked(t, testKey, testIV, plaintext, 7)

			var opened bytes.Buffer
			_, err := Decrypt(&opened, bytes.NewReader(file), wrongKey)
			require.NoError(t, err, "a wrong key is not an error")

			raw := rawCBCDecrypt(t, wrongKey, testIV, file[BlockSize:])
			got := opened.Bytes()
			assert.LessOrEqual(t, len(got), len(file)-BlockSize)
			assert.GreaterOrEqual(t, len(got), len(file)-2*BlockSize)
			samePlaintext(t, raw[:len(got)], got, "the raw decryption under the wrong key")
			assert.False(t, bytes.Equal(plaintext, got), "a wrong key gave the plaintext")
			if n >= BlockSize {
				assert.False(t, bytes.Contains(got, plaintext[:BlockSize]), "a plaintext block survived")
			}
		})
	}
}

func TestUseAfterFinal(t *testing.T) {
	e, err := newEncrypterIV(testKey, testIV)
	require.NoError(t, err)
	e.Final(nil)
	assert.PanicsWithValue(t, errFinished, func() { e.Update(nil, []byte("x")) })
	assert.PanicsWithValue(t, errFinished, func() { e.Final(nil) })

	d, err := NewDecrypter(testKey)
	require.NoError(t, err)
	d.Update(nil, testIV)
	_, err = d.Final(nil)
	require.NoError(t, err)
	_, err = d.Final(nil)
	assert.Same(t, errFinished, err)
	assert.PanicsWithValue(t, errFinished, func() { d.Update(nil, testIV) })
}

type failingWriter struct{ after int }

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errDiskFull
	}
	w.after--
	return len(p), nil
}

func TestStreamErrors(t *testing.T) {
	plaintext := testvectors.ChainBytes("io errors", 3*chunkSize)
	file := encryptChunked(t, testKey, testIV, plaintext, chunkSize)
	errRead := errors.New("read failed")

	_, err := Encrypt(&failingWriter{after: 1}, bytes.NewReader(plaintext), testKey)
	assert.Same(t, errDiskFull, err)
	_, err = Decrypt(&failingWriter{after: 1}, bytes.NewReader(file), testKey)
	assert.Same(t, errDiskFull, err)

	broken := io.MultiReader(bytes.NewReader(file[:1000]), iotest.ErrReader(errRead))
	_, err = Decrypt(io.Discard, broken, testKey)
	assert.Same(t, errRead, err)
	broken = io.MultiReader(bytes.NewReader(plaintext[:1000]), iotest.ErrReader(errRead))
	_, err = Encrypt(io.Discard, broken, testKey)
	assert.Same(t, errRead, err)
}
