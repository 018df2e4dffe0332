package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/headless"
)

const chromiumPath = headless.ChromiumPath

// startChromium starts a headless Chromium with a fresh profile; it is
// stopped when the test ends.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s is missing: install chromium (apt-get install chromium)", chromiumPath)
	}
	opts := headless.Options(t.TempDir(), chromedp.WindowSize(1100, 1400))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })

	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx, chromedp.Navigate("about:blank")) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("chromium cannot start (check %s): %v", chromiumPath, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("chromium did not start within a minute")
	}
	return ctx
}

// request is one request a tab made, as the DevTools Protocol saw it.
type request struct {
	id       network.RequestID
	Method   string
	URL      string
	Header   map[string]any
	HasBody  bool
	Body     []byte // from the event, or Network.getRequestPostData
	BodyFrom string // "event", "getRequestPostData", or "" when CDP gave none
	Status   int64
	FromSW   bool // answered by a Service Worker, not the network
}

// tab is one page in its own browser context (its own storage, Service
// Workers and downloads): one person at their computer.
type tab struct {
	t           *testing.T
	name        string
	ctx         context.Context
	downloadDir string

	mu       sync.Mutex
	requests []*request
	byID     map[network.RequestID]*request
	console  []string
	markAt   int
}

func newTab(t *testing.T, browserCtx context.Context, name string) *tab {
	t.Helper()
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelTab)
	ctx, cancel := context.WithTimeout(tabCtx, 5*time.Minute)
	t.Cleanup(cancel)
	tb := &tab{t: t, name: name, ctx: ctx, downloadDir: t.TempDir(),
		byID: map[network.RequestID]*request{}}
	if err := chromedp.Listen(tabCtx, tb.record); err != nil {
		t.Fatalf("listening to %s's tab: %v", name, err)
	}
	if err := chromedp.Do(tabCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("opening %s's tab: %v", name, err)
	}
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{
			Behavior:         browser.SetDownloadBehaviorBehaviorAllow,
			DownloadPath:     tb.downloadDir,
			BrowserContextID: chromedp.FromContext(tabCtx).BrowserContextID,
		})
	if err != nil {
		t.Fatalf("setting %s's download directory: %v", name, err)
	}
	return tb
}

// record keeps network events and the kinds of console output (never its
// text). It runs in the tab's event loop, so it only stores.
func (tb *tab) record(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := &request{id: e.RequestID, Method: e.Request.Method, URL: e.Request.URL,
			Header: map[string]any(e.Request.Headers), HasBody: e.Request.HasPostData}
		for _, entry := range e.Request.PostDataEntries {
			r.Body = append(r.Body, entry.Bytes...)
		}
		if len(r.Body) > 0 {
			r.BodyFrom = "event"
		}
		if old, ok := tb.byID[e.RequestID]; ok && e.RedirectResponse != nil {
			old.Status = e.RedirectResponse.Status
		}
		tb.requests = append(tb.requests, r)
		tb.byID[e.RequestID] = r
	case *network.EventResponseReceived:
		if r, ok := tb.byID[e.RequestID]; ok {
			r.Status = e.Response.Status
			r.FromSW = e.Response.FromServiceWorker
		}
	case *cdpruntime.EventConsoleAPICalled:
		tb.console = append(tb.console, "console."+string(e.Type))
	case *cdpruntime.EventExceptionThrown:
		tb.console = append(tb.console, "uncaught exception")
	}
}

// captured returns the requests seen so far, asking the browser for the
// bodies the events left out. A body CDP cannot give (a large Blob) keeps
// BodyFrom empty; the recording proxy has it.
func (tb *tab) captured() []*request {
	tb.t.Helper()
	tb.mu.Lock()
	list := append([]*request(nil), tb.requests...)
	tb.mu.Unlock()
	for _, r := range list {
		if !r.HasBody || r.BodyFrom != "" {
			continue
		}
		res, err := chromedp.Call(tb.ctx, network.GetRequestPostData,
			network.GetRequestPostDataParams{RequestID: r.id})
		if err == nil && len(res.PostData) > 0 {
			r.Body = res.PostData
			r.BodyFrom = "getRequestPostData"
		}
	}
	return list
}

func (tb *tab) consoleKinds() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.console...)
}

// open loads the page and waits until its engine is ready.
func (tb *tab) open(url string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(url))
	tb.waitFor(`document.body.dataset.ready === 'true' || ` +
		`document.getElementById('load-status').classList.contains('error')`)
	if strings.Contains(tb.attr("#load-status", "class"), "error") {
		tb.t.Fatalf("%s's page could not load ownkey: %s", tb.name, tb.text("#load-status"))
	}
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("in %s's page: %v", tb.name, err)
	}
}

func evalIn[T any](tb *tab, expression string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluating in %s's page: %v", tb.name, err)
	}
	return v
}

func (tb *tab) waitFor(expression string) {
	tb.t.Helper()
	_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expression,
		chromedp.WithPollingTimeout(3*time.Minute),
		chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		tb.t.Fatalf("waiting in %s's page for %s: %v", tb.name, expression, err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return evalIn[string](tb, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
}

func (tb *tab) attr(sel, name string) string {
	tb.t.Helper()
	return evalIn[string](tb, fmt.Sprintf(
		`document.querySelector(%q).getAttribute(%q) || ''`, sel, name))
}

func (tb *tab) hidden(sel string) bool {
	tb.t.Helper()
	return evalIn[bool](tb, fmt.Sprintf(`document.querySelector(%q).hidden`, sel))
}

// setValue fills an input, textarea or select as typing would.
func (tb *tab) setValue(sel, value string) {
	tb.t.Helper()
	quoted, _ := json.Marshal(value)
	evalIn[bool](tb, fmt.Sprintf(`(() => { const el = document.querySelector(%q);
		el.value = %s; el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, quoted))
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS(sel)))
}

// act clicks a button and waits for the message with id to settle (not
// empty, not an "in progress" note); it returns the message's class and
// text.
func (tb *tab) act(sel, messageID string) (string, string) {
	tb.t.Helper()
	evalIn[bool](tb, fmt.Sprintf(`(() => { const el = document.getElementById(%q);
		el.textContent = ''; el.className = 'message'; return true; })()`, messageID))
	tb.click(sel)
	tb.waitFor(fmt.Sprintf(`(() => { const el = document.getElementById(%q);
		return el.textContent !== '' && !el.classList.contains('info'); })()`, messageID))
	return tb.attr("#"+messageID, "class"), tb.text("#" + messageID)
}

// ok is act for an action that must succeed.
func (tb *tab) ok(sel, messageID string) string {
	tb.t.Helper()
	class, text := tb.act(sel, messageID)
	if !strings.Contains(class, "ok") {
		tb.t.Fatalf("%s: %s said: %s", tb.name, sel, text)
	}
	return text
}

// screenshot saves the whole page as NAME.png under $OWNKEY_E2E_SCREENSHOTS
// when it is set, for a person to look at.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("OWNKEY_E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// download waits until the browser has saved name whole in the tab's
// download directory, and returns its path.
func (tb *tab) download(name string, size int64) string {
	tb.t.Helper()
	path := filepath.Join(tb.downloadDir, name)
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		info, err := os.Stat(path)
		if err == nil && info.Size() == size {
			return path
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			tb.t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, _ := os.ReadDir(tb.downloadDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	tb.t.Fatalf("%s's browser did not save %s of %d bytes (download directory: %v)",
		tb.name, name, size, names)
	return ""
}

// mark notes where the requests of the next page load start: a reload
// empties the page's in-memory audit panel.
func (tb *tab) mark() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.markAt = len(tb.requests)
}

func (tb *tab) sinceMark() []*request {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]*request(nil), tb.requests[tb.markAt:]...)
}
