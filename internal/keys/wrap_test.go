package keys

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameSecret compares secret bytes without printing them.
func sameSecret(t *testing.T, want, got []byte, what string) {
	t.Helper()
	if !bytes.Equal(want, got) {
		t.Errorf("%s: got %s, want %s", what, fingerprint(got), fingerprint(want))
	}
}

func TestUnwrapVectors(t *testing.T) {
	for i, v := range testvectors.Wraps(t) {
		t.Run(fmt.Sprintf("vector%d-%dbits", i, v.Bits), func(t *testing.T) {
			if testing.Short() && v.Bits > 2048 {
				t.Skip("larger keys are derived in the full run")
			}
			key := derivedKey(t, v.Secret, v.Bits)
			wrapped, err := base64.StdEncoding.DecodeString(v.CiphertextB64)
			require.NoError(t, err)
			require.Len(t, wrapped, v.Bits/8)
			want := testvectors.Hex(t, v.PlaintextHex)

			plaintext, err := Unwrap(key, wrapped)
			require.NoError(t, err)
			sameSecret(t, want, plaintext, "unwrapped vector")

			// And back: what Wrap makes, Unwrap opens.
			again, err := Wrap(&key.PublicKey, want)
			require.NoError(t, err)
			require.Len(t, again, v.Bits/8)
			plaintext, err = Unwrap(key, again)
			require.NoError(t, err)
			sameSecret(t, want, plaintext, "round trip")

			// Damaged wrapped data gives the one uniform error.
			for _, damaged := range [][]byte{
				flipBit(wrapped, 8*len(wrapped)-1),
				flipBit(wrapped, 8*len(wrapped)/2),
				wrapped[:len(wrapped)-1],
				append(bytes.Clone(wrapped), 0),
				nil,
			} {
				_, err := Unwrap(key, damaged)
				assert.Same(t, ErrUnwrap, err)
			}
		})
	}
}

func TestUnwrapWrongKey(t *testing.T) {
	v := testvectors.Wraps(t)[0]
	wrapped, err := base64.StdEncoding.DecodeString(v.CiphertextB64)
	require.NoError(t, err)

	wrong := derivedKey(t, "hunter2", DefaultBits)
	require.NotEqual(t, "hunter2", v.Secret)
	plaintext, err := Unwrap(wrong, wrapped)
	assert.Nil(t, plaintext)
	assert.Same(t, ErrUnwrap, err)
	assert.Equal(t, "keys: this key does not open the wrapped data", err.Error())
}

func TestWrapRoundTrip(t *testing.T) {
	key := derivedKey(t, "correct horse battery staple", DefaultBits)
	projectKey, err := NewProjectKey()
	require.NoError(t, err)
	require.Len(t, projectKey, ProjectKeySize)
	other, err := NewProjectKey()
	require.NoError(t, err)
	assert.NotEqual(t, projectKey, other, "project keys are fresh")

	for _, plaintext := range [][]byte{nil, {0}, projectKey, bytes.Repeat([]byte{0xff}, 245)} {
		first, err := Wrap(&key.PublicKey, plaintext)
		require.NoError(t, err)
		second, err := Wrap(&key.PublicKey, plaintext)
		require.NoError(t, err)
		assert.NotEqual(t, first, second, "wrapping is randomised")

		for _, wrapped := range [][]byte{first, second} {
			opened, err := Unwrap(key, wrapped)
			require.NoError(t, err)
			sameSecret(t, plaintext, opened, fmt.Sprintf("%d bytes", len(plaintext)))
		}
	}
}

// TestWrapLimit: k - 11 bytes wrap, one more is refused with an error that
// names the limit (section 9).
func TestWrapLimit(t *testing.T) {
	for _, tc := range []struct {
		secret string
		bits   int
		limit  int
	}{
		{"correct horse battery staple", 2048, 245},
		{"three-thousand", 3072, 373},
	} {
		t.Run(fmt.Sprint(tc.bits), func(t *testing.T) {
			if testing.Short() && tc.bits > 2048 {
				t.Skip("larger keys are derived in the full run")
			}
			key := derivedKey(t, tc.secret, tc.bits)
			pub := &key.PublicKey
			require.Equal(t, tc.limit, MaxWrapSize(pub))

			longest := bytes.Repeat([]byte{0x5a}, tc.limit)
			wrapped, err := Wrap(pub, longest)
			require.NoError(t, err)
			opened, err := Unwrap(key, wrapped)
			require.NoError(t, err)
			sameSecret(t, longest, opened, "the longest plaintext")

			for _, size := range []int{tc.limit + 1, tc.limit + 100} {
				wrapped, err := Wrap(pub, make([]byte, size))
				assert.Nil(t, wrapped)
				require.ErrorIs(t, err, ErrTooLong)
				assert.Equal(t, fmt.Sprintf("keys: too long to wrap: %d bytes, and a %d-bit key "+
					"wraps at most %d bytes", size, tc.bits, tc.limit), err.Error())
				assert.True(t, strings.Contains(err.Error(), fmt.Sprint(tc.limit)))
			}
		})
	}
}

// wycheproofDecryption is the part of Wycheproof's rsaes_pkcs1_decrypt schema
// that the test reads.
type wycheproofDecryption struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		KeySize       int    `json:"keySize"`
		PrivateKeyPem string `json:"privateKeyPem"`
		Tests         []struct {
			TcID    int      `json:"tcId"`
			Comment string   `json:"comment"`
			Msg     string   `json:"msg"`
			Ct      string   `json:"ct"`
			Result  string   `json:"result"`
			Flags   []string `json:"flags"`
		} `json:"tests"`
	} `json:"testGroups"`
}

// TestWycheproofUnwrap runs Wycheproof's RSAES-PKCS1-v1_5 cases through
// ParsePrivateKey and Unwrap: "valid" opens to exactly the message, and every
// "invalid" case, whatever is wrong with it, fails with the very same error
// value, so that no caller can tell the causes apart.
func TestWycheproofUnwrap(t *testing.T) {
	var suite wycheproofDecryption
	testvectors.Load(t, "wycheproof/rsa_pkcs1_2048_test.json", &suite)

	counts := map[string]int{}
	for _, group := range suite.TestGroups {
		require.Equal(t, 2048, group.KeySize)
		key, err := ParsePrivateKey(group.PrivateKeyPem)
		require.NoError(t, err)
		require.Equal(t, 2048, key.N.BitLen())

		for _, tc := range group.Tests {
			counts[tc.Result]++
			plaintext, err := Unwrap(key, testvectors.Hex(t, tc.Ct))
			switch tc.Result {
			case "valid":
				require.NoError(t, err, "tcId %d (%s)", tc.TcID, tc.Comment)
				sameSecret(t, testvectors.Hex(t, tc.Msg), plaintext,
					fmt.Sprintf("tcId %d (%s)", tc.TcID, tc.Comment))
			case "invalid":
				assert.Nil(t, plaintext, "tcId %d", tc.TcID)
				assert.True(t, err == ErrUnwrap, "tcId %d (%s) %v: got %v",
					tc.TcID, tc.Comment, tc.Flags, err)
			default:
				t.Fatalf("tcId %d: unexpected result %q", tc.TcID, tc.Result)
			}
		}
	}
	assert.Equal(t, map[string]int{"valid": 42, "invalid": 25}, counts)
	assert.Equal(t, suite.NumberOfTests, counts["valid"]+counts["invalid"])
}
