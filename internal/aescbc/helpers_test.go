package aescbc

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawCBC encrypts whole blocks with no padding, as Coretex's writer does for
// whole-block plaintexts.
func rawCBC(t testing.TB, key, iv, plaintext []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, len(plaintext))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plaintext)
	return out
}

// rawCBCDecrypt decrypts whole blocks and keeps every byte: what a
// Coretex-compatible reader yields when the last block is not padded.
func rawCBCDecrypt(t testing.TB, key, iv, ciphertext []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	require.NoError(t, err)
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	return out
}

// encryptChunked writes plaintext through an Encrypter with the given IV,
// step bytes per Update call.
func encryptChunked(t testing.TB, key, iv, plaintext []byte, step int) []byte {
	t.Helper()
	e, err := newEncrypterIV(key, iv)
	require.NoError(t, err)
	file := make([]byte, 0, len(plaintext)+2*BlockSize)
	for rest := plaintext; len(rest) > 0; {
		k := min(step, len(rest))
		file = e.Update(file, rest[:k])
		rest = rest[k:]
	}
	return e.Final(file)
}

// decryptChunked reads file through a Decrypter, step bytes per Update call.
func decryptChunked(t testing.TB, key, file []byte, step int) ([]byte, error) {
	t.Helper()
	d, err := NewDecrypter(key)
	require.NoError(t, err)
	var plaintext []byte
	for rest := file; len(rest) > 0; {
		k := min(step, len(rest))
		plaintext = d.Update(plaintext, rest[:k])
		rest = rest[k:]
	}
	return d.Final(plaintext)
}

// fingerprint names plaintext or key bytes in failure messages without
// showing them: the first bytes of their SHA-256.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("sha256:%x (%d bytes)", sum[:6], len(b))
}

// samePlaintext compares plaintexts without printing them.
func samePlaintext(t testing.TB, want, got []byte, format string, args ...any) {
	t.Helper()
	if !bytes.Equal(want, got) {
		t.Errorf("%s: got %s, want %s", fmt.Sprintf(format, args...),
			fingerprint(got), fingerprint(want))
	}
}
