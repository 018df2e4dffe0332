package browser

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	userSecret = "correct horse battery staple"
	nodeSecret = "node-secret-01"
)

// cli runs dist/ownkey with stdin and returns its standard output. Its
// standard error holds only its own messages, never input, so it is shown.
func cli(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(filepath.Join(distDir(), "ownkey"), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ownkey %s: %v\n%s(this test needs the CLI of ./build.sh with: derive; encrypt and decrypt --key-file F; wrap --public-key P --key-file F; unwrap --wrapped W, W a file of base64)",
			args[0], err, stderr.String())
	}
	return stdout.Bytes()
}

// writeKeyFile writes a project key as the CLI reads it: base64, 0600.
func writeKeyFile(t *testing.T, key []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "project.key")
	require.NoError(t, os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600))
	return path
}

// TestFilesBetweenPageAndCLI moves a 20 MB file each way: encrypted in the
// page and decrypted by the CLI on a node, and encrypted by the CLI and
// decrypted in the page, each under a project key wrapped to the other side.
func TestFilesBetweenPageAndCLI(t *testing.T) {
	dir := t.TempDir()
	p := openPage(t)
	p.unlock(userSecret)
	userPEM := p.value("#public-key-pem")
	require.Contains(t, userPEM, "BEGIN RSA PUBLIC KEY")

	t.Run("page to CLI", func(t *testing.T) {
		nodePEM := string(cli(t, []byte(nodeSecret), "derive"))

		// The page makes a project key and shares it with the node.
		p.click("#new-project-key")
		p.waitFor(`document.getElementById('wrapped-own').value !== ''`)
		p.setValue("#share-public-key", nodePEM)
		p.click("#share-project-key")
		p.waitFor(`document.getElementById('wrapped-share').value !== ''`)
		wrapped := strings.TrimSpace(p.value("#wrapped-share"))

		plain := testvectors.ChainBytes("page to CLI", 20<<20+5)
		plainPath := filepath.Join(dir, "page-plain.bin")
		require.NoError(t, os.WriteFile(plainPath, plain, 0o600))
		p.encryptInPage(plainPath)
		encrypted := p.download("page-plain.bin.enc")
		info, err := os.Stat(encrypted)
		require.NoError(t, err)
		assert.Equal(t, int64(16+len(plain)+11), info.Size(), "IV, data and 11 bytes of padding")

		// The node unwraps the key with its secret and decrypts.
		wrappedPath := filepath.Join(dir, "project.wrapped")
		require.NoError(t, os.WriteFile(wrappedPath, []byte(wrapped+"\n"), 0o600))
		keyB64 := cli(t, []byte(nodeSecret), "unwrap", "--wrapped", wrappedPath)
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(keyB64)))
		require.NoError(t, err, "unwrap prints base64")
		require.Len(t, key, 32)
		encBytes, err := os.ReadFile(encrypted)
		require.NoError(t, err)
		decrypted := cli(t, encBytes, "decrypt", "--key-file", writeKeyFile(t, key))
		assert.Equal(t, fingerprint(plain), fingerprint(decrypted), "the CLI decrypts the page's file")
	})

	t.Run("CLI to page", func(t *testing.T) {
		key := make([]byte, 32)
		_, err := rand.Read(key)
		require.NoError(t, err)
		keyFile := writeKeyFile(t, key)
		pemPath := filepath.Join(dir, "user.pem")
		require.NoError(t, os.WriteFile(pemPath, []byte(userPEM), 0o600))
		wrapped := strings.TrimSpace(string(cli(t, nil, "wrap", "--public-key", pemPath,
			"--key-file", keyFile)))

		plain := testvectors.ChainBytes("CLI to page", 20<<20) // whole blocks
		encrypted := cli(t, plain, "encrypt", "--key-file", keyFile)
		encPath := filepath.Join(dir, "cli.bin.enc")
		require.NoError(t, os.WriteFile(encPath, encrypted, 0o600))

		p.setValue("#wrapped-input", wrapped)
		p.clearMessage("#project-message")
		p.click("#open-project-key")
		p.waitFor(settled("project-message"))
		require.Contains(t, p.text("#project-message"), "Project key opened")
		p.decryptInPage(encPath)
		decrypted := p.download("cli.bin")
		assert.Equal(t, fingerprint(plain), fileFingerprint(t, decrypted),
			"the page decrypts the CLI's file")

		// A damaged file gives a plain error and no download.
		damaged := filepath.Join(dir, "damaged.bin.enc")
		require.NoError(t, os.WriteFile(damaged, encrypted[:len(encrypted)-7], 0o600))
		p.decryptInPage(damaged)
		assert.Contains(t, p.text("#file-message"), "Could not decrypt damaged.bin.enc: "+
			"The file is truncated or damaged")
		_, err = os.Stat(filepath.Join(p.downloadDir, "damaged.bin"))
		assert.True(t, os.IsNotExist(err), "no download for a damaged file")
	})

	// The instance's memory stayed bounded by its chunks, not the files.
	stats := eval[map[string]float64](p, `import('./ownkey.js').then(o => o.stats())`)
	assert.Zero(t, stats["files"], "no file left open")
	assert.LessOrEqual(t, stats["bufferBytes"], float64(2<<20+64), "two 1 MiB buffers")
	assert.Less(t, stats["wasmMemoryBytes"], float64(48<<20), "wasm memory after 40 MB of files")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
	t.Logf("wasm memory after the files: %.1f MiB", stats["wasmMemoryBytes"]/(1<<20))
}

// encryptInPage picks a file in the page and encrypts it.
func (p *page) encryptInPage(path string) { p.fileJob("#encrypt-input", "#encrypt-button", path) }

func (p *page) decryptInPage(path string) { p.fileJob("#decrypt-input", "#decrypt-button", path) }

func (p *page) fileJob(input, button, path string) {
	p.t.Helper()
	p.clearMessage("#file-message")
	p.do(setUploadFile(input, path))
	p.click(button)
	p.waitFor(`document.getElementById('file-busy').hidden && ` + settled("file-message"))
}
