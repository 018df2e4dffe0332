package aescbc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestVectors(t *testing.T) {
	for _, v := range testvectors.AESCBCs(t) {
		t.Run(fmt.Sprintf("len%d", v.PlaintextLen), func(t *testing.T) {
			key := testvectors.Hex(t, v.KeyHex)
			iv := testvectors.Hex(t, v.IVHex)
			plaintext := v.Plaintext(t)
			require.Equal(t, v.PlaintextSHA256, sha256Hex(plaintext), "plaintext reconstruction")

			// The padded file, byte for byte, in one call and in 7-byte steps.
			for _, step := range []int{len(plaintext) + 1, 7} {
				e, err := newEncrypterIV(key, iv)
				require.NoError(t, err)
				var file []byte
				for rest := plaintext; len(rest) > 0; {
					k := min(step, len(rest))
					file = e.Update(file, rest[:k])
					rest = rest[k:]
				}
				file = e.Final(file)
				assert.Equal(t, v.FilePaddedSHA256, sha256Hex(file), "padded file, step %d", step)
				if v.FilePaddedHex != "" {
					assert.Equal(t, v.FilePaddedHex, hex.EncodeToString(file))
				}

				var opened bytes.Buffer
				_, err = Decrypt(&opened, bytes.NewReader(file), key)
				require.NoError(t, err)
				assert.True(t, bytes.Equal(plaintext, opened.Bytes()), "padded file round trip")
			}

			// The reference's own writer leaves whole-block plaintexts unpadded.
			if v.FileUnpaddedSHA256 == "" {
				return
			}
			unpadded := append(append([]byte{}, iv...), rawCBC(t, key, iv, plaintext)...)
			require.Equal(t, v.FileUnpaddedSHA256, sha256Hex(unpadded), "unpadded file reconstruction")
			var opened bytes.Buffer
			_, err := Decrypt(&opened, bytes.NewReader(unpadded), key)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(plaintext, opened.Bytes()), "unpadded file opens to the plaintext")
		})
	}
}
