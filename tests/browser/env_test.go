package browser

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/headless"
)

const chromiumPath = headless.ChromiumPath

// repoRoot is the checkout this file is in.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func distDir() string { return filepath.Join(repoRoot(), "dist") }

// shared is one Chromium for the whole package: starting it costs more than
// most tests. Each test opens its own tab on its own server, so that each
// has its own origin, and with it its own localStorage and Worker.
var shared struct {
	once    sync.Once
	err     error
	ctx     context.Context // the browser's context
	cancel  context.CancelFunc
	userDir string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
		os.RemoveAll(shared.userDir)
	}
	os.Exit(code)
}

func startBrowser() error {
	for _, name := range []string{"ownkey.wasm", "wasm_exec.js", "index.html", "ownkey.js",
		"worker.js", "page.js", "ownkey"} {
		if _, err := os.Stat(filepath.Join(distDir(), name)); err != nil {
			return fmt.Errorf("dist/%s is missing: run ./build.sh first", name)
		}
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		return fmt.Errorf("%s is missing: install chromium (apt-get install chromium)", chromiumPath)
	}

	userDir, err := os.MkdirTemp("", "ownkey-chromium-")
	if err != nil {
		return err
	}
	shared.userDir = userDir
	opts := headless.Options(userDir, chromedp.WindowSize(1100, 1400))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	shared.cancel = func() { cancelBrowser(); cancelAlloc() }
	shared.ctx = ctx

	// The first Run starts the browser; it must not carry a timeout.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, chromedp.Navigate("about:blank")) }()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("chromium cannot start (install chromium, check %s): %w",
				chromiumPath, err)
		}
	case <-time.After(60 * time.Second):
		return errors.New("chromium did not start within a minute")
	}
	return nil
}

// page is one tab showing dist/ from its own loopback server.
type page struct {
	console     *consoleLog
	t           *testing.T
	ctx         context.Context
	url         string
	downloadDir string
}

// openPage opens a fresh tab on a fresh server and waits until the page has
// loaded its WebAssembly instance.
func openPage(t *testing.T) *page {
	t.Helper()
	shared.once.Do(func() { shared.err = startBrowser() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}

	server := serveDist(t)
	tabCtx, cancelTab := chromedp.NewContext(shared.ctx)
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tabCtx, 4*time.Minute)
	t.Cleanup(cancel)

	p := &page{t: t, ctx: ctx, url: server.URL, downloadDir: t.TempDir(), console: &consoleLog{}}
	if err := chromedp.Listen(tabCtx, p.console.record); err != nil {
		t.Fatalf("listening to the console: %v", err)
	}
	err := chromedp.Do(tabCtx, chromedp.Navigate(p.url+"/index.html"))
	if err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{
			Behavior:     browser.SetDownloadBehaviorBehaviorAllow,
			DownloadPath: p.downloadDir,
		}); err != nil {
		t.Fatalf("setting the download directory: %v", err)
	}
	p.waitFor(`document.body.dataset.ready === 'true' || ` +
		`document.getElementById('load-status').classList.contains('error')`)
	if msg := p.text("#load-status"); strings.Contains(p.attr("#load-status", "class"), "error") {
		t.Fatalf("the page could not load ownkey.wasm: %s", msg)
	}
	return p
}

// serveDist serves dist/ on 127.0.0.1 only, with the wasm Content-Type that
// streaming compilation needs.
func serveDist(t *testing.T) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir(distDir()))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		if r.URL.Path == "/ownkey" { // the CLI binary is not part of the site
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on loopback: %v", err)
	}
	server := &httptest.Server{Listener: listener, Config: &http.Server{Handler: handler}}
	server.Start()
	t.Cleanup(server.Close)
	return server
}

// eval runs an expression (awaiting a Promise) and decodes its JSON value.
func eval[T any](p *page, expression string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating in the page: %v", err)
	}
	return v
}

// waitFor waits until the expression is truthy.
func (p *page) waitFor(expression string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[chromedp.Void](expression,
		chromedp.WithPollingTimeout(3*time.Minute), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("waiting for %s: %v", expression, err)
	}
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("in the page: %v", err)
	}
}

func (p *page) text(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

func (p *page) value(sel string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, sel))
}

func (p *page) attr(sel, name string) string {
	p.t.Helper()
	return eval[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute(%q) || ''`,
		sel, name))
}

// setValue fills an input or textarea as typing would, with an input event.
func (p *page) setValue(sel, value string) {
	p.t.Helper()
	quoted, _ := json.Marshal(value)
	eval[bool](p, fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		el.value = %s; el.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`,
		sel, quoted))
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(sel)))
}

// download waits for a file the page saved under name and returns its path.
func (p *page) download(name string) string {
	p.t.Helper()
	path := filepath.Join(p.downloadDir, name)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return path
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(p.downloadDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	p.t.Fatalf("the page did not save %s (download directory holds %v)", name, names)
	return ""
}

// fingerprint is how tests name secret bytes: never the bytes themselves.
func fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func fileFingerprint(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fingerprint(b)
}

func setUploadFile(sel, path string) chromedp.Action[chromedp.Void] {
	return chromedp.SetUploadFiles(chromedp.CSS(sel), []string{path})
}

// clearMessage empties a message element, so that the next one can be told
// from the last.
func (p *page) clearMessage(sel string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		el.textContent = ''; el.className = 'message'; return true; })()`, sel))
}

// settled is true once the message element with that id says something
// final: not empty and not an "in progress" note.
func settled(id string) string {
	return fmt.Sprintf(`(() => { const el = document.getElementById(%q);
		return el.textContent !== '' && !el.classList.contains('info'); })()`, id)
}

// consoleLog counts what the page writes to its console and the exceptions
// it leaves uncaught. The page must write nothing: a console is where a
// secret would leak first. Only the kinds are kept, never the text.
type consoleLog struct {
	mu      sync.Mutex
	entries []string
}

func (c *consoleLog) record(ev any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch e := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		c.entries = append(c.entries, "console."+string(e.Type))
	case *cdpruntime.EventExceptionThrown:
		c.entries = append(c.entries, "uncaught exception")
	}
}

func (c *consoleLog) kinds() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.entries...)
}
