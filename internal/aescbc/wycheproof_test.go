package aescbc

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wycheproofCBC is the part of Wycheproof's AES-CBC-PKCS5 file that the
// tests read.
type wycheproofCBC struct {
	TestGroups []struct {
		KeySize int `json:"keySize"`
		IVSize  int `json:"ivSize"`
		Tests   []wycheproofCBCCase
	} `json:"testGroups"`
}

type wycheproofCBCCase struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Key     string   `json:"key"`
	IV      string   `json:"iv"`
	Msg     string   `json:"msg"`
	Ct      string   `json:"ct"`
	Result  string   `json:"result"`
	Flags   []string `json:"flags"`
}

// wycheproofAES256 returns the AES-256 cases: the only key size the format
// uses.
func wycheproofAES256(t testing.TB) []wycheproofCBCCase {
	t.Helper()
	var suite wycheproofCBC
	testvectors.Load(t, "wycheproof/aes_cbc_pkcs5_test.json", &suite)
	var cases []wycheproofCBCCase
	for _, g := range suite.TestGroups {
		if g.KeySize == 256 {
			require.Equal(t, 128, g.IVSize)
			cases = append(cases, g.Tests...)
		}
	}
	require.NotEmpty(t, cases)
	return cases
}

// decryptSteps are the Update sizes every case is read with.
var decryptSteps = []int{1, 3, 15, 16, 17, 31, 1 << 20}

func TestWycheproofValid(t *testing.T) {
	valid := 0
	for _, tc := range wycheproofAES256(t) {
		if tc.Result != "valid" {
			continue
		}
		valid++
		t.Run(fmt.Sprintf("tc%d", tc.TcID), func(t *testing.T) {
			key := testvectors.Hex(t, tc.Key)
			iv := testvectors.Hex(t, tc.IV)
			msg := testvectors.Hex(t, tc.Msg)
			file := append(bytes.Clone(iv), testvectors.Hex(t, tc.Ct)...)

			var opened bytes.Buffer
			n, err := Decrypt(&opened, bytes.NewReader(file), key)
			require.NoError(t, err)
			assert.Equal(t, int64(len(msg)), n)
			samePlaintext(t, msg, opened.Bytes(), "Decrypt")

			for _, step := range decryptSteps {
				plaintext, err := decryptChunked(t, key, file, step)
				require.NoError(t, err)
				samePlaintext(t, msg, plaintext, "Decrypter, step %d", step)
			}

			// Our writer pads exactly as Wycheproof's reference does.
			for _, step := range []int{1, 7, 16, len(msg) + 1} {
				assert.Equal(t, file, encryptChunked(t, key, iv, msg, step), "Encrypter, step %d", step)
			}
		})
	}
	assert.Equal(t, 24, valid)
}

// TestWycheproofInvalid: Wycheproof's "invalid" AES-CBC cases are files
// whose padding is wrong. A strict reader refuses them, but Coretex's own
// writer leaves whole-block plaintexts unpadded, so the Coretex-compatible
// reader of SPEC section 11 cannot: when the last block does not end in valid
// PKCS#7 padding, it keeps every byte of the raw CBC decryption. Only a
// malformed length is an error. None of these cases may panic.
func TestWycheproofInvalid(t *testing.T) {
	invalid := 0
	for _, tc := range wycheproofAES256(t) {
		if tc.Result != "invalid" {
			continue
		}
		invalid++
		t.Run(fmt.Sprintf("tc%d", tc.TcID), func(t *testing.T) {
			key := testvectors.Hex(t, tc.Key)
			iv := testvectors.Hex(t, tc.IV)
			ct := testvectors.Hex(t, tc.Ct)
			file := append(bytes.Clone(iv), ct...)

			var opened bytes.Buffer
			_, err := Decrypt(&opened, bytes.NewReader(file), key)
			if lengthErr := ValidLength(int64(len(file))); lengthErr != nil {
				assert.Same(t, lengthErr, err)
				return
			}
			require.NoError(t, err, "%s %v", tc.Comment, tc.Flags)

			raw := rawCBCDecrypt(t, key, iv, ct)
			samePlaintext(t, raw, opened.Bytes(), "Decrypt keeps every byte (%s)", tc.Comment)
			for _, step := range decryptSteps {
				plaintext, err := decryptChunked(t, key, file, step)
				require.NoError(t, err)
				samePlaintext(t, raw, plaintext, "Decrypter, step %d", step)
			}
		})
	}
	assert.Equal(t, 48, invalid)
}
