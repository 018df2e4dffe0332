package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// responsiveScript derives the given secrets through its own copy of
// ownkey.js (the query string makes it a module of its own, with its own
// Worker), while the page's main thread watches itself: a PerformanceObserver
// for long tasks, a setTimeout heartbeat and a requestAnimationFrame loop.
// It returns the fingerprints and what the main thread saw.
const responsiveScript = `(async (secrets, workerUrl) => {
  if (!PerformanceObserver.supportedEntryTypes.includes('longtask')) {
    return { error: 'this Chromium has no longtask entries' };
  }
  const o = await import('./ownkey.js?responsive=' + encodeURIComponent(workerUrl));
  await o.load({ workerUrl: new URL(workerUrl, location.href) });

  const longTasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });

  let running = true;
  const beat = { count: 0, maxGap: 0, last: performance.now() };
  const tick = () => {
    const now = performance.now();
    beat.maxGap = Math.max(beat.maxGap, now - beat.last);
    beat.last = now;
    beat.count++;
    if (running) setTimeout(tick, 5);
  };
  setTimeout(tick, 5);
  const frame = { count: 0, maxGap: 0, last: performance.now() };
  const draw = (now) => {
    frame.maxGap = Math.max(frame.maxGap, now - frame.last);
    frame.last = now;
    frame.count++;
    if (running) requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);

  const derived = [];
  const started = performance.now();
  for (const { secret, bits } of secrets) {
    const key = await o.deriveMasterKey(secret, { bits });
    derived.push({ bits: key.bits, fingerprint: key.fingerprint });
    await key.forget();
  }
  const ms = performance.now() - started;
  running = false;
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the observer report
  observer.disconnect();
  return { derived, ms, longTasks, beats: beat.count, beatMaxGap: beat.maxGap,
           frames: frame.count, frameMaxGap: frame.maxGap };
})`

type responsiveResult struct {
	Error   string `json:"error"`
	Derived []struct {
		Bits        int    `json:"bits"`
		Fingerprint string `json:"fingerprint"`
	} `json:"derived"`
	MS          float64   `json:"ms"`
	LongTasks   []float64 `json:"longTasks"`
	Beats       int       `json:"beats"`
	BeatMaxGap  float64   `json:"beatMaxGap"`
	Frames      int       `json:"frames"`
	FrameMaxGap float64   `json:"frameMaxGap"`
}

// requestLog serves dist/ on loopback, like serveDist, and remembers the
// paths asked for, so that a test can tell whether the probe Workers
// started.
type requestLog struct {
	mu    sync.Mutex
	paths []string
}

func (l *requestLog) asked(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.paths {
		if p == path {
			return true
		}
	}
	return false
}

func serveDistLogged(t *testing.T, log *requestLog) *httptest.Server {
	t.Helper()
	files := http.FileServer(http.Dir(distDir()))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.mu.Lock()
		log.paths = append(log.paths, r.URL.Path)
		log.mu.Unlock()
		if r.URL.Path == "/blank.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><meta charset=utf-8><title>blank</title><p>blank</p>")
			return
		}
		if r.URL.Path == "/ownkey" {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, r)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "listening on loopback")
	server := &httptest.Server{Listener: listener, Config: &http.Server{Handler: handler}}
	server.Start()
	t.Cleanup(server.Close)
	return server
}

// TestDerivationKeepsPageResponsive derives every vector key, 2048 and 3072
// bits, while the page's main thread measures itself, with the probe
// Workers on (the default) and forced off: no main-thread task may reach
// 100 ms, the heartbeat and the frames keep coming, and every key is the
// vector's.
//
// Limitation: long tasks and gaps are wall-clock times, as the issue's
// target is. On a machine whose processors other programs keep saturated
// (a load average several times the processor count), the operating system
// alone can hold the main thread off for more than 100 ms, and this test
// then fails although the page runs no long task of its own.
func TestDerivationKeepsPageResponsive(t *testing.T) {
	shared.once.Do(func() { shared.err = startBrowser() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}

	type secret struct {
		Secret string `json:"secret"`
		Bits   int    `json:"bits"`
	}
	var secrets []secret
	var want []string
	has := map[int]bool{}
	for _, v := range testvectors.Derivations(t) {
		secrets = append(secrets, secret{v.Secret, v.Bits})
		want = append(want, pemFingerprint(t, v.PublicPKCS1))
		has[v.Bits] = true
	}
	require.True(t, has[2048] && has[3072], "the vectors hold 2048- and 3072-bit keys")
	input, err := json.Marshal(secrets)
	require.NoError(t, err)

	for _, mode := range []struct {
		name, workerURL string
		probes          bool
	}{
		{"probes on", "worker.js", true},
		{"probes off", "worker.js?probes=0", false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			log := &requestLog{}
			server := serveDistLogged(t, log)
			tabCtx, cancelTab := chromedp.NewContext(shared.ctx)
			t.Cleanup(cancelTab)
			ctx, cancel := context.WithTimeout(tabCtx, 4*time.Minute)
			t.Cleanup(cancel)
			console := &consoleLog{}
			require.NoError(t, chromedp.Listen(tabCtx, console.record))
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(server.URL+"/blank.html")))

			res, err := chromedp.Run(ctx, chromedp.Evaluate[responsiveResult](
				fmt.Sprintf("%s(%s, %q)", responsiveScript, input, mode.workerURL),
				chromedp.EvalAwaitPromise))
			require.NoError(t, err, "evaluating in the page")
			require.Empty(t, res.Error)

			require.Len(t, res.Derived, len(want))
			for i, d := range res.Derived {
				assert.Equal(t, secrets[i].Bits, d.Bits, "vector %d", i)
				assert.Equal(t, want[i], d.Fingerprint, "vector %d: another key", i)
			}
			t.Logf("%d derivations in %.0f ms; long tasks %v; heartbeat %d beats, largest gap "+
				"%.0f ms; %d frames, largest gap %.0f ms", len(res.Derived), res.MS,
				res.LongTasks, res.Beats, res.BeatMaxGap, res.Frames, res.FrameMaxGap)

			for _, d := range res.LongTasks {
				assert.Less(t, d, 100.0, "a main-thread task took %.0f ms", d)
			}
			// A beat every 5 ms asked for: the heartbeat must have kept
			// going through the derivations. Its gaps also count the time
			// the operating system gives the Workers on a 2-core machine,
			// so they get twice the margin; the page's own work is held to
			// 100 ms by the long-task check above.
			assert.Greater(t, res.Beats, int(res.MS/5/4), "the heartbeat stalled")
			assert.Less(t, res.BeatMaxGap, 200.0, "the heartbeat waited too long")
			assert.Greater(t, res.Frames, int(res.MS/1000), "no frames were drawn")
			assert.Less(t, res.FrameMaxGap, 200.0, "a frame waited too long")

			assert.Equal(t, mode.probes, log.asked("/prober.wasm"),
				"probe Workers started (prober.wasm asked for)")
			assert.Equal(t, mode.probes, log.asked("/probe-worker.js"),
				"probe Workers started (probe-worker.js asked for)")
			assert.Empty(t, console.kinds(), "the page wrote to its console")
		})
	}
}
