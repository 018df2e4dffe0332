package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestScannerCatchesPlantedLeaks shows that the audit's scan is not
// vacuous: each kind of leak, planted in a request as the page would send
// one, is found and named, and the material the service may see (public
// key, wrapped key, ciphertext) is not.
func TestScannerCatchesPlantedLeaks(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	priv, err := keys.ParsePrivateKey(vector.PrivatePKCS8)
	require.NoError(t, err)
	projectKey := make([]byte, 32)
	rand.Read(projectKey)
	plaintext := make([]byte, 100_000)
	rand.Read(plaintext)

	s := newScanner()
	s.addText("user A's secret", vector.Secret)
	s.addPrivateKey(t, "user A's private key", priv)
	s.addProjectKey("the project key", projectKey)
	s.addPlaintext(plaintext)

	request := func(field, value string) []byte {
		body, _ := json.Marshal(map[string]string{"name": "models", field: value})
		return body
	}
	wrapped, err := keys.Wrap(&priv.PublicKey, projectKey)
	require.NoError(t, err)
	pemText, err := keys.PrivateKeyPEM(priv)
	require.NoError(t, err)

	// Clean: what the service is meant to see.
	for where, body := range map[string][]byte{
		"public key":  request("publicKey", keys.PublicKeyPEM(&priv.PublicKey)),
		"wrapped key": request("wrappedKey", base64.StdEncoding.EncodeToString(wrapped)),
		"ciphertext":  plaintextCiphertext(t, projectKey, plaintext),
	} {
		assert.Empty(t, s.scan(where, body), "a clean %s was flagged", where)
	}

	// Planted: each leak is named.
	planted := []struct {
		body []byte
		want string
	}{
		{request("wrappedKey", base64.StdEncoding.EncodeToString(projectKey)),
			"the project key (base64)"},
		{request("wrappedKey", base64.RawURLEncoding.EncodeToString(projectKey)),
			"the project key (base64url, unpadded)"},
		{request("note", hex.EncodeToString(projectKey)), "the project key (hex)"},
		{append([]byte("prefix"), projectKey...), "the project key (raw)"},
		{request("note", vector.Secret), "user A's secret"},
		{request("note", base64.StdEncoding.EncodeToString([]byte(vector.Secret))),
			"user A's secret (base64)"},
		{request("key", pemText), "user A's private key (PKCS#8 PEM line)"},
		{[]byte(pemText), "user A's private key (PKCS#8 PEM)"},
		{request("p", strings.ToUpper(hex.EncodeToString(priv.Primes[0].Bytes()))),
			"user A's private key p (HEX)"},
		{request("q", hex.EncodeToString(priv.Primes[1].Bytes())),
			"user A's private key q (hex)"},
		{request("d", hex.EncodeToString(priv.D.Bytes())), "user A's private key d (hex)"},
	}
	for _, p := range planted {
		found := s.scan("POST /api/projects", p.body)
		assert.Contains(t, found, "POST /api/projects carries "+p.want)
	}

	// A 32-byte run of plaintext anywhere in a body, and not a 31-byte one.
	body := make([]byte, 5000)
	rand.Read(body)
	copy(body[1234:], plaintext[777:777+32])
	assert.Equal(t, []string{"upload carries 32+ bytes of the file's plaintext at byte 1234"},
		s.scan("upload", body))
	rand.Read(body)
	copy(body[1234:], plaintext[777:777+31])
	body[1233] = ^plaintext[776] // the run must not grow by chance
	body[1234+31] = ^plaintext[777+31]
	assert.Empty(t, s.scan("upload", body))
}
