package e2e

import (
	"bytes"
	"testing"

	"github.com/ownkey/ownkey/internal/aescbc"
	"github.com/stretchr/testify/require"
)

// plaintextCiphertext encrypts plaintext under key as the page does.
func plaintextCiphertext(t *testing.T, key, plaintext []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	_, err := aescbc.Encrypt(&out, bytes.NewReader(plaintext), key)
	require.NoError(t, err)
	return out.Bytes()
}
