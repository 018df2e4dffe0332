package aescbc

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"testing/iotest"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	testKey = testvectors.ChainBytes("aescbc round trip key", KeySize)
	testIV  = testvectors.ChainBytes("aescbc round trip iv", BlockSize)
)

// roundTripLengths are every length up to 100 and the lengths around 64 KiB
// and around Encrypt's and Decrypt's 256 KiB read size.
func roundTripLengths() []int {
	var lengths []int
	for n := 0; n <= 100; n++ {
		lengths = append(lengths, n)
	}
	for _, boundary := range []int{64 << 10, chunkSize} {
		for _, delta := range []int{-17, -16, -1, 0, 1, 16, 17} {
			lengths = append(lengths, boundary+delta)
		}
	}
	return lengths
}

// steps are the Update sizes used on both sides; 0 stands for the whole
// input in one call.
var steps = []int{1, 3, 15, 16, 17, 31, 4096, 65537, 0}

func paddedSize(n int) int {
	return BlockSize + (n/BlockSize+1)*BlockSize
}

func TestRoundTrip(t *testing.T) {
	for _, n := range roundTripLengths() {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plaintext := testvectors.ChainBytes(fmt.Sprint("plaintext ", n), n)

			// Every step size writes the same file.
			var file []byte
			for _, step := range steps {
				if step == 0 {
					step = n + 1
				}
				got := encryptChunked(t, testKey, testIV, plaintext, step)
				if file == nil {
					file = got
					continue
				}
				require.True(t, bytes.Equal(file, got), "encrypt step %d writes another file", step)
			}
			require.Len(t, file, paddedSize(n))
			require.Equal(t, testIV, file[:BlockSize])

			for _, step := range steps {
				if step == 0 {
					step = len(file)
				}
				opened, err := decryptChunked(t, testKey, file, step)
				require.NoError(t, err)
				samePlaintext(t, plaintext, opened, "decrypt step %d", step)
			}

			// Coretex's unpadded form of whole-block plaintexts opens too,
			// unless the plaintext itself ends in what looks like padding.
			if n%BlockSize == 0 && (n == 0 || paddingLen(plaintext[n-BlockSize:]) == 0) {
				unpadded := append(bytes.Clone(testIV), rawCBC(t, testKey, testIV, plaintext)...)
				for _, step := range []int{1, 17, len(unpadded)} {
					opened, err := decryptChunked(t, testKey, unpadded, step)
					require.NoError(t, err)
					samePlaintext(t, plaintext, opened, "unpadded, decrypt step %d", step)
				}
			}
		})
	}
}

// TestStreamRoundTrip runs Encrypt and Decrypt over readers that hand out
// odd amounts, with a fresh IV each time.
func TestStreamRoundTrip(t *testing.T) {
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"halves":   iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for _, n := range roundTripLengths() {
		plaintext := testvectors.ChainBytes(fmt.Sprint("stream ", n), n)
		for name, wrap := range readers {
			if name == "one byte" && n > 4096 {
				continue // a quarter of a million reads say nothing more
			}
			t.Run(fmt.Sprintf("%d/%s", n, name), func(t *testing.T) {
				var file bytes.Buffer
				written, err := Encrypt(&file, wrap(bytes.NewReader(plaintext)), testKey)
				require.NoError(t, err)
				assert.Equal(t, int64(paddedSize(n)), written)
				assert.Equal(t, int64(file.Len()), written)

				var opened bytes.Buffer
				written, err = Decrypt(&opened, wrap(bytes.NewReader(file.Bytes())), testKey)
				require.NoError(t, err)
				assert.Equal(t, int64(n), written)
				samePlaintext(t, plaintext, opened.Bytes(), "stream round trip")
			})
		}
	}
}

func TestFreshIV(t *testing.T) {
	plaintext := []byte("the same plaintext, twice")
	var first, second bytes.Buffer
	_, err := Encrypt(&first, bytes.NewReader(plaintext), testKey)
	require.NoError(t, err)
	_, err = Encrypt(&second, bytes.NewReader(plaintext), testKey)
	require.NoError(t, err)
	assert.NotEqual(t, first.Bytes()[:BlockSize], second.Bytes()[:BlockSize], "IV reused")
	assert.NotEqual(t, first.Bytes(), second.Bytes())
}
