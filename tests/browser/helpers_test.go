package browser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"testing"
)

// pemFingerprint is the SHA-256, in hex, of the DER inside a PEM block.
func pemFingerprint(t *testing.T, pemText string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("no PEM block in the vector")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}
