package browser

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/keys"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const lineBreakMessage = "This text has a line break, and line breaks cannot be typed here " +
	"(this field would drop them and derive another key). Nothing was pasted. A secret " +
	"with a line break works only on the command line: ownkey derive < secret-file."

// instance is what the page's Worker holds now (ownkey.stats()).
func (p *page) instance() map[string]float64 {
	p.t.Helper()
	return eval[map[string]float64](p, `import('./ownkey.js').then(o => o.stats())`)
}

// TestFirstUnlockAsksTwice: without a stored check, the first unlock fixes
// the key, so two different secrets are refused before any derivation and
// nothing is stored; the same secret twice unlocks and stores the check.
func TestFirstUnlockAsksTwice(t *testing.T) {
	vector := testvectors.Derivations(t)[0]
	p := openPage(t)
	require.False(t, eval[bool](p, `document.getElementById('secret-again-row').hidden`),
		"the first unlock does not ask for the secret again")

	p.setValue("#secret", vector.Secret)
	p.setValue("#secret-again", vector.Secret+"x")
	p.clearMessage("#master-message")
	p.click("#derive")
	p.waitFor(settled("master-message"))
	assert.Equal(t, "The two secrets differ. Nothing was derived or registered: type your "+
		"secret again in both fields.", p.text("#master-message"))
	assert.Contains(t, p.attr("#master-message", "class"), "error")
	assert.Nil(t, eval[any](p, `localStorage.getItem('ownkey.masterKeyCheck')`),
		"a check was stored for a mistyped secret")
	stats := p.instance()
	assert.Zero(t, stats["masterKeys"]+stats["derivations"], "a derivation ran")
	assert.True(t, eval[bool](p, `document.getElementById('master-unlocked').hidden`))

	// Only once: the second field left empty is refused too.
	p.setValue("#secret-again", "")
	p.clearMessage("#master-message")
	p.click("#derive")
	p.waitFor(settled("master-message"))
	assert.True(t, strings.HasPrefix(p.text("#master-message"),
		`Type your secret again in "Type it again"`), p.text("#master-message"))

	message := p.unlock(vector.Secret)
	assert.Contains(t, message, "First use in this browser")
	assert.Equal(t, vector.PublicPKCS1, p.value("#public-key-pem"))
	assert.True(t, eval[bool](p, `document.getElementById('secret-again').value === ''`),
		"the second field is cleared after unlocking")
	assert.NotNil(t, eval[any](p, `localStorage.getItem('ownkey.masterKeyCheck')`))
	assert.True(t, eval[bool](p, `document.getElementById('secret-again-row').hidden`),
		"with a stored check, the secret is asked once")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestSecretWithALineBreakIsRefused: a password field would drop the line
// break and derive another key than the CLI, so the paste is refused in
// words and nothing is derived.
func TestSecretWithALineBreakIsRefused(t *testing.T) {
	p := openPage(t)
	for _, pasted := range []string{"first line\nsecond line", "windows\r\nline", "cr\ronly"} {
		p.setValue("#secret", "")
		p.clearMessage("#master-message")
		quoted := mustJSON(t, pasted)
		delivered := eval[bool](p, `(() => {
  const data = new DataTransfer(); data.setData('text/plain', `+quoted+`);
  return document.getElementById('secret').dispatchEvent(new ClipboardEvent('paste',
    { clipboardData: data, bubbles: true, cancelable: true })); })()`)
		assert.False(t, delivered, "the paste was not cancelled")
		assert.Equal(t, lineBreakMessage, p.text("#master-message"))
		assert.Contains(t, p.attr("#master-message", "class"), "error")
		assert.True(t, eval[bool](p, `document.getElementById('secret').value === ''`),
			"the text was pasted")
		stats := p.instance()
		assert.Zero(t, stats["masterKeys"]+stats["derivations"], "a derivation started")
		assert.True(t, eval[bool](p, `document.getElementById('derive-busy').hidden`))
	}

	// The second field of a first unlock refuses it too; a paste without a
	// line break is let through.
	eval[bool](p, `(() => { const data = new DataTransfer();
  data.setData('text/plain', 'a\nb');
  return document.getElementById('secret-again').dispatchEvent(new ClipboardEvent('paste',
    { clipboardData: data, bubbles: true, cancelable: true })); })()`)
	assert.Equal(t, lineBreakMessage, p.text("#master-message"))
	p.clearMessage("#master-message")
	assert.True(t, eval[bool](p, `(() => { const data = new DataTransfer();
  data.setData('text/plain', 'one line');
  return document.getElementById('secret').dispatchEvent(new ClipboardEvent('paste',
    { clipboardData: data, bubbles: true, cancelable: true })); })()`))
	assert.Empty(t, p.text("#master-message"))
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestFailedOpenClosesTheProjectKey: the page names the project key in use;
// a wrapped key that does not open closes the one that was in use, in the
// Worker too, and says so; decryption says plainly that it cannot check
// the key.
func TestFailedOpenClosesTheProjectKey(t *testing.T) {
	dir := t.TempDir()
	p := openPage(t)
	p.unlock(testvectors.Derivations(t)[0].Secret)
	assert.Equal(t, "No project key in use: create one or open one above.",
		p.text("#project-key-status"))

	p.clearMessage("#project-message")
	p.click("#new-project-key")
	p.waitFor(settled("project-message"))
	assert.Regexp(t, `^Project key in use: a new key, created at \d\d:\d\d( [AP]M)?\.$`,
		p.text("#project-key-status"))
	assert.Equal(t, p.text("#project-key-status"), p.text("#file-key-status"))
	assert.Equal(t, 1.0, p.instance()["projectKeys"])

	// Encrypt and decrypt under it: decryption is not called a proof.
	plainPath := filepath.Join(dir, "note.txt")
	require.NoError(t, os.WriteFile(plainPath, []byte("a small file\n"), 0o600))
	p.encryptInPage(plainPath)
	encrypted := p.download("note.txt.enc")
	encPath := filepath.Join(dir, "again.txt.enc")
	b, err := os.ReadFile(encrypted)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(encPath, b, 0o600))
	p.decryptInPage(encPath)
	message := p.text("#file-message")
	assert.True(t, strings.HasPrefix(message, "Decrypted again.txt.enc under a new key, "+
		"created at "), message)
	assert.True(t, strings.HasSuffix(message, ": saved as again.txt. ownkey cannot check "+
		"that this was the right key: if again.txt is unreadable, the file was encrypted "+
		"under another project key."), message)
	assert.Contains(t, p.attr("#file-message", "class"), "warn")
	assert.NotContains(t, p.attr("#file-message", "class"), "ok")

	// A key wrapped to someone else does not open: the current key goes.
	other, err := keys.Derive(t.Context(), []byte("someone else"), keys.DefaultBits, nil)
	require.NoError(t, err)
	projectKey := make([]byte, 32)
	rand.Read(projectKey)
	wrapped, err := keys.Wrap(&other.PublicKey, projectKey)
	require.NoError(t, err)
	p.setValue("#wrapped-input", base64.StdEncoding.EncodeToString(wrapped))
	p.clearMessage("#project-message")
	p.click("#open-project-key")
	p.waitFor(settled("project-message"))
	message = p.text("#project-message")
	assert.Contains(t, p.attr("#project-message", "class"), "error")
	assert.True(t, strings.HasSuffix(message, " Check that it was wrapped to the public key "+
		"shown above. The project key that was in use has been closed: create or open one "+
		"before you encrypt or decrypt."), message)
	assert.Equal(t, "No project key in use: create one or open one above.",
		p.text("#project-key-status"))
	assert.Equal(t, p.text("#project-key-status"), p.text("#file-key-status"))
	assert.Zero(t, p.instance()["projectKeys"], "the old project key is still in the Worker")
	for _, id := range []string{"encrypt-button", "decrypt-button", "share-project-key"} {
		assert.True(t, eval[bool](p, `document.getElementById('`+id+`').disabled`),
			"%s is enabled with no project key", id)
	}
	assert.Equal(t, "true", p.attr("#files", "aria-disabled"))

	// A key wrapped to this master key opens, and says where it came from.
	mine, err := keys.ParsePublicKey(p.value("#public-key-pem"))
	require.NoError(t, err)
	wrapped, err = keys.Wrap(mine, projectKey)
	require.NoError(t, err)
	p.setValue("#wrapped-input", base64.StdEncoding.EncodeToString(wrapped))
	p.clearMessage("#project-message")
	p.click("#open-project-key")
	p.waitFor(settled("project-message"))
	assert.Contains(t, p.text("#project-message"), "Project key opened")
	assert.Regexp(t, `^Project key in use: opened at \d\d:\d\d( [AP]M)? from the wrapped key `+
		`you pasted\.$`, p.text("#project-key-status"))
	assert.Equal(t, 1.0, p.instance()["projectKeys"])
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// probeLog counts what a mock service was asked under /api/.
type probeLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *probeLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.paths...)
}

// serveWithAPI serves dist/ on loopback with a mock /api/: health is the
// status GET /api/health answers (0: that path is unknown, as to an older
// service), and GET /api/me always answers 401 in JSON, as with no token.
func serveWithAPI(t *testing.T, health int, log *probeLog) string {
	t.Helper()
	files := http.FileServer(http.Dir(distDir()))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			log.mu.Lock()
			log.paths = append(log.paths, r.Method+" "+r.URL.Path)
			log.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			switch {
			case r.URL.Path == "/api/health" && health == http.StatusOK:
				w.Write([]byte(`{"service":"ownkey"}`))
			case r.URL.Path == "/api/me":
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"error":"sign in first"}`))
			default:
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte(`{"error":"no such endpoint"}`))
			}
			return
		}
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		if r.URL.Path == "/ownkey" {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	server := &httptest.Server{Listener: listener, Config: &http.Server{Handler: handler}}
	server.Start()
	t.Cleanup(server.Close)
	return server.URL
}

// TestServiceProbe: the page finds the service with GET /api/health, so a
// fresh load's audit panel starts without a refusal; an older service
// (404 there) is still found through GET /api/me; plain files are not a
// service.
func TestServiceProbe(t *testing.T) {
	auditRows := `[...document.querySelectorAll('#audit-table tbody tr')]
		.map(r => r.dataset.method + ' ' + r.dataset.path + ' ' + r.dataset.status)`
	cases := []struct {
		name   string
		health int
		asked  []string
	}{
		{"health", http.StatusOK, []string{"GET /api/health 200"}},
		{"older service", 0, []string{"GET /api/health 404", "GET /api/me 401"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &probeLog{}
			p := openPage(t)
			p.url = serveWithAPI(t, c.health, log)
			p.do(chromedp.Navigate(p.url + "/index.html"))
			p.waitFor(`document.body.dataset.ready === 'true'`)
			assert.False(t, eval[bool](p, `document.getElementById('account').hidden`),
				"the page did not find the service")
			assert.True(t, eval[bool](p, `document.getElementById('local-tools').hidden`))
			assert.Equal(t, c.asked, eval[[]string](p, auditRows))
			var want []string
			for _, row := range c.asked {
				want = append(want, row[:strings.LastIndex(row, " ")])
			}
			assert.Equal(t, want, log.all(), "what the service was asked")
			assert.Empty(t, p.console.kinds(), "the page wrote to its console")
		})
	}

	// Served alone, the page offers the file tools.
	p := openPage(t)
	assert.True(t, eval[bool](p, `document.getElementById('account').hidden`))
	assert.False(t, eval[bool](p, `document.getElementById('local-tools').hidden`))
}
