// Command bench measures ownkey against the targets of issue 3, all in one
// run: the 2048-bit derivation in headless Chromium beside the Coretex
// reference (bench/reference_derive.py, Debian's python3-pycryptodome), the
// AES-256-CBC throughput of encryptFile and decryptFile beside one Web
// Crypto call, the tab's peak memory while a 2 GiB stream is encrypted, the
// WebAssembly modules' sizes and the time from starting the Worker to its
// first answer, and the native figures for context.
//
//	./build.sh bench        (builds dist/, then runs go run ./bench)
//
// It serves dist/ on 127.0.0.1 only and drives /usr/bin/chromium. It
// asserts nothing, but it fails loudly when a measurement cannot be made.
// Secrets never appear in its output: derived keys are named by the
// SHA-256 fingerprint of their public key.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/ownkey/ownkey/internal/headless"
)

const (
	chromiumPath = headless.ChromiumPath
	pythonPath   = "/usr/bin/python3"
	vectorsPath  = "tests/testdata/vectors/derive.json"

	derivationRounds = 3   // each vector secret is derived this many times
	aesRounds        = 3   // each AES figure is the median of this many runs
	loadRounds       = 5   // fresh tabs for load-to-ready
	aesMiB           = 256 // the AES buffer
	streamGiB        = 2   // the file streamed for peak memory
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAILED:", err)
		os.Exit(1)
	}
}

// vector is what the bench needs of a derivation vector.
type vector struct {
	Secret string `json:"secret"`
	Bits   int    `json:"bits"`
	PKCS1  string `json:"public_pem_pkcs1"`
}

func run() error {
	for _, name := range []string{"ownkey.wasm", "prober.wasm", "ownkey.js", "worker.js",
		"prober.js", "probe-worker.js", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join("dist", name)); err != nil {
			return fmt.Errorf("dist/%s is missing: run ./build.sh bench from the checkout", name)
		}
	}
	var all []vector
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &all); err != nil {
		return fmt.Errorf("%s: %w", vectorsPath, err)
	}
	var vectors []vector
	for _, v := range all {
		if v.Bits == 2048 {
			vectors = append(vectors, v)
		}
	}
	if len(vectors) == 0 {
		return errors.New("no 2048-bit vectors")
	}

	r := &report{}
	fmt.Println("ownkey bench: every figure is a median unless it says otherwise")
	fmt.Printf("machine: %d processors, load average %s at the start\n", runtime.NumCPU(),
		loadAverage())
	if err := measureSizes(r); err != nil {
		return err
	}

	url, stop, err := serveDist()
	if err != nil {
		return err
	}
	defer stop()
	b, err := startChromium()
	if err != nil {
		return err
	}
	defer b.stop()

	steps := []struct {
		name string
		fn   func() error
	}{
		{"load to ready", func() error { return measureLoad(b, url, r) }},
		{"derivation, Chromium and the reference in turn",
			func() error { return measureDerive(b, url, vectors, r) }},
		{"AES-256-CBC in Chromium", func() error { return measureAES(b, url, r) }},
		{"peak memory", func() error { return measureStream(b, url, r) }},
		{"native", func() error { return measureNative(r) }},
	}
	for _, s := range steps {
		fmt.Fprintf(os.Stderr, "bench: %s...\n", s.name)
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	r.note("load average %s at the end; figures from a busy machine are slower, the "+
		"derivation with probe Workers most", loadAverage())
	r.print()
	return nil
}

// loadAverage is the 1-, 5- and 15-minute load of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// report collects the lines of the final table.
type report struct {
	lines [][3]string // figure, value, target
	notes []string
}

func (r *report) add(figure, value, target string) {
	r.lines = append(r.lines, [3]string{figure, value, target})
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) print() {
	fmt.Println()
	fmt.Printf("%-58s  %-34s  %s\n", "figure", "measured", "target")
	for _, l := range r.lines {
		fmt.Printf("%-58s  %-34s  %s\n", l[0], l[1], l[2])
	}
	for _, n := range r.notes {
		fmt.Println("note:", n)
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// measureSizes reports the modules' sizes, gzipped at the best level.
func measureSizes(r *report) error {
	for _, name := range []string{"ownkey.wasm", "prober.wasm"} {
		raw, err := os.ReadFile(filepath.Join("dist", name))
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(raw)
		w.Close()
		target := "(loaded by the probe Workers, on first derivation)"
		if name == "ownkey.wasm" {
			target = fmt.Sprintf("<= 1.2 MB gzipped: %s", verdict(z.Len() <= 1_200_000))
		}
		r.add(name+" raw / gzipped",
			fmt.Sprintf("%.2f MB / %.3f MB", float64(len(raw))/1e6, float64(z.Len())/1e6), target)
	}
	return nil
}

// serveDist serves dist/ and a blank page on 127.0.0.1.
func serveDist() (string, func(), error) {
	files := http.FileServer(http.Dir("dist"))
	mux := http.NewServeMux()
	mux.HandleFunc("/bench.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><meta charset=utf-8><title>ownkey bench</title><p>bench</p>")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/ownkey" {
			http.NotFound(w, req)
			return
		}
		if strings.HasSuffix(req.URL.Path, ".wasm") {
			w.Header().Set("Content-Type", "application/wasm")
		}
		files.ServeHTTP(w, req)
	})
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go server.Serve(listener)
	return "http://" + listener.Addr().String(), func() { server.Close() }, nil
}

// browser is one headless Chromium.
type browser struct {
	ctx  context.Context
	stop func()
	pid  int
	dir  string
}

func startChromium() (*browser, error) {
	if _, err := os.Stat(chromiumPath); err != nil {
		return nil, fmt.Errorf("%s is missing: apt-get install chromium", chromiumPath)
	}
	dir, err := os.MkdirTemp("", "ownkey-bench-")
	if err != nil {
		return nil, err
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		headless.Options(dir, chromedp.Flag("enable-precise-memory-info", true))...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &browser{ctx: ctx, dir: dir, stop: func() {
		cancel()
		cancelAlloc()
		os.RemoveAll(dir)
	}}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.stop()
		return nil, fmt.Errorf("chromium cannot start: %w", err)
	}
	if p := chromedp.FromContext(ctx).Browser.Process(); p != nil {
		b.pid = p.Pid
	}
	return b, nil
}

// tab opens url in a new tab; close it when done.
func (b *browser) tab(url string) (context.Context, func(), error) {
	tabCtx, cancelTab := chromedp.NewContext(b.ctx)
	ctx, cancel := context.WithTimeout(tabCtx, 8*time.Minute)
	closeTab := func() { cancel(); cancelTab() }
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		closeTab()
		return nil, nil, err
	}
	return ctx, closeTab, nil
}

func evaluate[T any](ctx context.Context, script string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
}

// measureLoad opens fresh tabs and times ownkey.load(): from starting the
// Worker to its first answer (fetching and compiling ownkey.wasm, running
// Go's main). The first tab loads with a cold HTTP cache.
func measureLoad(b *browser, url string, r *report) error {
	var times []float64
	for range loadRounds {
		ctx, closeTab, err := b.tab(url + "/bench.html")
		if err != nil {
			return err
		}
		ms, err := evaluate[float64](ctx, `(async () => {
			const o = await import('./ownkey.js');
			const started = performance.now();
			await o.load();
			return performance.now() - started;
		})()`)
		closeTab()
		if err != nil {
			return err
		}
		times = append(times, ms)
	}
	m := median(times)
	r.add(fmt.Sprintf("load to ready (Worker start to first answer, %d tabs)", len(times)),
		fmt.Sprintf("%.0f ms (first tab %.0f ms)", m, times[0]),
		fmt.Sprintf("< 300 ms: %s", verdict(m < 300)))
	return nil
}

// deriveLoadScript loads ownkey.js (with workerUrl, if given) and derives the
// first secret once, to warm up, and returns the milliseconds it took.
const deriveLoadScript = `(async (secret, workerUrl) => {
	window.ownkey = await import('./ownkey.js');
	await ownkey.load(workerUrl ? { workerUrl: new URL(workerUrl, location.href) } : {});
	const started = performance.now();
	const key = await ownkey.deriveMasterKey(secret, { bits: 2048 });
	const ms = performance.now() - started;
	await key.forget();
	return ms;
})`

// deriveScript derives every secret once and returns the milliseconds and
// fingerprints.
const deriveScript = `(async (secrets) => {
	const out = { ms: [], fingerprints: [] };
	for (const secret of secrets) {
		const started = performance.now();
		const key = await ownkey.deriveMasterKey(secret, { bits: 2048 });
		out.ms.push(performance.now() - started);
		out.fingerprints.push(key.fingerprint);
		await key.forget();
	}
	return out;
})`

type deriveResult struct {
	MS           []float64 `json:"ms"`
	Fingerprints []string  `json:"fingerprints"`
}

// deriveTab is a tab that derives; workerURL "" is the default Worker.
type deriveTab struct {
	label string
	ctx   context.Context
	first float64     // the warm-up derivation, ms
	ms    [][]float64 // per secret, per round
}

// measureDerive derives the vector secrets in Chromium, with the probe
// Workers on and off, and through the reference, round after round in
// turn, so that all three see the machine in the same state.
func measureDerive(b *browser, url string, vectors []vector, r *report) error {
	secrets := make([]string, len(vectors))
	want := make([]string, len(vectors))
	for i, v := range vectors {
		secrets[i] = v.Secret
		block, _ := pem.Decode([]byte(v.PKCS1))
		if block == nil {
			return fmt.Errorf("vector %d has no public PEM", i)
		}
		sum := sha256.Sum256(block.Bytes)
		want[i] = hex.EncodeToString(sum[:])
	}
	args, _ := json.Marshal(secrets)
	first, _ := json.Marshal(secrets[0])

	tabs := []*deriveTab{
		{label: "probe Workers on (default)"},
		{label: "probe Workers off (worker.js?probes=0)"},
	}
	for i, t := range tabs {
		ctx, closeTab, err := b.tab(url + "/bench.html")
		if err != nil {
			return err
		}
		defer closeTab()
		workerURL := ""
		if i == 1 {
			workerURL = "worker.js?probes=0"
		}
		t.ctx = ctx
		t.ms = make([][]float64, len(secrets))
		if t.first, err = evaluate[float64](ctx, fmt.Sprintf("%s(%s, %q)", deriveLoadScript,
			first, workerURL)); err != nil {
			return err
		}
	}

	haveReference, err := referenceAvailable()
	if err != nil {
		return err
	}
	reference := make([][]float64, len(secrets))
	for range derivationRounds {
		for _, t := range tabs {
			res, err := evaluate[deriveResult](t.ctx, fmt.Sprintf("%s(%s)", deriveScript, args))
			if err != nil {
				return err
			}
			for i := range secrets {
				if res.Fingerprints[i] != want[i] {
					return fmt.Errorf("%s: vector %d derived another key (fingerprint %s)",
						t.label, i, res.Fingerprints[i])
				}
				t.ms[i] = append(t.ms[i], res.MS[i])
			}
		}
		if haveReference {
			seconds, err := runReference()
			if err != nil {
				return err
			}
			if len(seconds) != len(secrets) {
				return fmt.Errorf("the reference derived %d secrets, Chromium %d",
					len(seconds), len(secrets))
			}
			for i, s := range seconds {
				reference[i] = append(reference[i], s)
			}
		}
	}

	perSecret := func(ms [][]float64, scale float64) []float64 {
		out := make([]float64, len(ms))
		for i := range ms {
			out[i] = median(ms[i]) * scale
		}
		return out
	}
	for _, t := range tabs {
		s := perSecret(t.ms, 1.0/1000)
		r.add("2048-bit derivation in Chromium, "+t.label,
			fmt.Sprintf("%.3f s (min %.3f, max %.3f; cold first %.3f)", median(s),
				slices.Min(s), slices.Max(s), t.first/1000), "(every key exact)")
	}
	if !haveReference {
		r.add("2048-bit derivation, Coretex reference", "not measured",
			"ratio ownkey / reference <= 1.0: no ratio")
		r.note("%s lacks Cryptodome (apt-get install python3-pycryptodome): "+
			"no reference figure and no ratio", pythonPath)
		return nil
	}
	own, ref := perSecret(tabs[0].ms, 1.0/1000), perSecret(reference, 1)
	var ratios []float64
	for i := range ref {
		ratios = append(ratios, own[i]/ref[i])
	}
	ratio := median(own) / median(ref)
	r.add("2048-bit derivation, Coretex reference (PyCryptodome)",
		fmt.Sprintf("%.3f s (min %.3f, max %.3f)", median(ref), slices.Min(ref), slices.Max(ref)),
		"")
	r.add("derivation ratio, ownkey in Chromium / reference",
		fmt.Sprintf("%.2f (median of per-secret ratios %.2f)", ratio, median(ratios)),
		fmt.Sprintf("<= 1.0: %s", verdict(ratio <= 1.0)))
	return nil
}

// referenceAvailable reports whether /usr/bin/python3 has PyCryptodome as
// Debian packages it.
func referenceAvailable() (bool, error) {
	if _, err := os.Stat(pythonPath); err != nil {
		return false, nil
	}
	return exec.Command(pythonPath, "-c", "import Cryptodome").Run() == nil, nil
}

// runReference derives the 2048-bit vector secrets once through
// bench/reference_derive.py, which checks each modulus, and returns the
// seconds of each.
func runReference() ([]float64, error) {
	cmd := exec.Command(pythonPath, "bench/reference_derive.py", vectorsPath, "2048")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("bench/reference_derive.py: %w", err)
	}
	var seconds []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			Index   int     `json:"index"`
			Seconds float64 `json:"seconds"`
			Error   string  `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, err
		}
		if line.Error != "" {
			return nil, fmt.Errorf("reference, vector %d: %s", line.Index, line.Error)
		}
		seconds = append(seconds, line.Seconds)
	}
	return seconds, nil
}

// aesScript times encryptFile and decryptFile on one buffer, and one Web
// Crypto AES-CBC call each way on the same buffer, alternating.
const aesScript = `(async (mib, rounds) => {
	const o = await import('./ownkey.js');
	await o.load();
	const size = mib << 20;
	const data = new Uint8Array(size);
	let x = 0x9e3779b9;
	const words = new Uint32Array(data.buffer);
	for (let i = 0; i < words.length; i++) {
		x ^= x << 13; x ^= x >>> 17; x ^= x << 5; words[i] = x >>> 0;
	}
	const blob = new Blob([data]);
	const pk = await o.newProjectKey();
	const key = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false,
		['encrypt', 'decrypt']);
	const iv = crypto.getRandomValues(new Uint8Array(16));
	const out = { enc: [], dec: [], wcEnc: [], wcDec: [], exact: true };
	for (let round = 0; round < rounds; round++) {
		let started = performance.now();
		const enc = await o.encryptFile(pk, blob);
		out.enc.push(performance.now() - started);
		started = performance.now();
		const dec = await o.decryptFile(pk, enc);
		out.dec.push(performance.now() - started);
		const tail = new Uint8Array(await dec.slice(size - 4096).arrayBuffer());
		out.exact = out.exact && dec.size === size && enc.size === size + 32 &&
			tail.every((b, i) => b === data[size - 4096 + i]);

		started = performance.now();
		const c = await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, key, data);
		out.wcEnc.push(performance.now() - started);
		started = performance.now();
		await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, key, c);
		out.wcDec.push(performance.now() - started);
	}
	await pk.forget();
	return out;
})`

type aesResult struct {
	Enc, Dec, WcEnc, WcDec []float64
	Exact                  bool
}

func measureAES(b *browser, url string, r *report) error {
	ctx, closeTab, err := b.tab(url + "/bench.html")
	if err != nil {
		return err
	}
	defer closeTab()
	res, err := evaluate[aesResult](ctx, fmt.Sprintf("%s(%d, %d)", aesScript, aesMiB, aesRounds))
	if err != nil {
		return err
	}
	if !res.Exact {
		return errors.New("decryptFile did not give back the buffer")
	}
	mbps := func(ms []float64) float64 { return float64(aesMiB<<20) / 1e6 / (median(ms) / 1000) }
	for _, dir := range []struct {
		name     string
		own, web []float64
	}{{"encrypt", res.Enc, res.WcEnc}, {"decrypt", res.Dec, res.WcDec}} {
		own, web := mbps(dir.own), mbps(dir.web)
		r.add(fmt.Sprintf("AES-256-CBC %s %d MiB, ownkey / Web Crypto single call",
			dir.name, aesMiB),
			fmt.Sprintf("%.0f / %.0f MB/s = %.2f", own, web, own/web),
			fmt.Sprintf(">= 1.0: %s", verdict(own/web >= 1.0)))
	}
	return nil
}

// streamScript encrypts a generated stream of gib GiB with output 'stream'
// and consumes the output without keeping it.
const streamScript = `(async (gib) => {
	const o = await import('./ownkey.js');
	await o.load();
	const total = gib * 2 ** 30;
	const chunk = new Uint8Array(1 << 20);
	crypto.getRandomValues(chunk.subarray(0, 65536));
	let produced = 0;
	const input = new ReadableStream({
		pull(controller) {
			if (produced >= total) { controller.close(); return; }
			produced += chunk.length;
			controller.enqueue(chunk.slice());
		},
	}, { highWaterMark: 2 });
	const pk = await o.newProjectKey();
	let output;
	try {
		output = await o.encryptFile(pk, input, { output: 'stream' });
	} catch (err) {
		return { missing: String(err && err.message || err) };
	}
	if (!(output instanceof ReadableStream)) {
		return { missing: 'encryptFile does not return a ReadableStream for output: stream' };
	}
	let written = 0, heap = 0;
	const reader = output.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		written += value.byteLength;
		if (performance.memory) heap = Math.max(heap, performance.memory.usedJSHeapSize);
	}
	const stats = await o.stats();
	await pk.forget();
	return { written, heap, wasm: stats.wasmMemoryBytes || 0 };
})`

func measureStream(b *browser, url string, r *report) error {
	ctx, closeTab, err := b.tab(url + "/bench.html")
	if err != nil {
		return err
	}
	defer closeTab()

	// Sample the renderer processes' resident memory while the stream runs.
	var mu sync.Mutex
	peak, base := int64(0), rendererRSS(b.pid)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if rss := rendererRSS(b.pid); rss > 0 {
				mu.Lock()
				peak = max(peak, rss)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	started := time.Now()
	res, err := evaluate[struct {
		Missing string  `json:"missing"`
		Written int64   `json:"written"`
		Heap    float64 `json:"heap"`
		Wasm    float64 `json:"wasm"`
	}](ctx, fmt.Sprintf("%s(%d)", streamScript, streamGiB))
	close(done)
	wg.Wait()
	if err != nil {
		return err
	}
	if res.Missing != "" {
		r.add(fmt.Sprintf("peak tab memory encrypting %d GiB", streamGiB), "not measured",
			"< 256 MiB")
		r.note("the stream API is not there yet: %s", res.Missing)
		return nil
	}
	want := int64(streamGiB)<<30 + 32
	if res.Written != want {
		return fmt.Errorf("the encrypted stream has %d bytes, want %d", res.Written, want)
	}
	if b.pid == 0 {
		return errors.New("the browser's process id is unknown: cannot read /proc")
	}
	mib := func(x float64) float64 { return x / (1 << 20) }
	seconds := time.Since(started).Seconds()
	growth := mib(float64(peak - base))
	r.add(fmt.Sprintf("peak tab memory encrypting %d GiB: renderer RSS growth", streamGiB),
		fmt.Sprintf("%.0f MiB (RSS %.0f MiB peak, %.0f before; %.0f MB/s)", growth,
			mib(float64(peak)), mib(float64(base)), float64(want)/1e6/seconds),
		fmt.Sprintf("< 256 MiB: %s", verdict(growth < 256)))
	r.add("  of which page JS heap (peak) + Worker wasm memory (end)",
		fmt.Sprintf("%.0f MiB + %.0f MiB", mib(res.Heap), mib(res.Wasm)), "")
	return nil
}

// rendererRSS is the largest resident set of the browser's renderer
// processes (a tab and its Workers live in one), in bytes.
func rendererRSS(browserPid int) int64 {
	entries, _ := os.ReadDir("/proc")
	var largest int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !descends(pid, browserPid) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !bytes.Contains(cmdline, []byte("--type=renderer")) {
			continue
		}
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				largest = max(largest, kb<<10)
			}
		}
	}
	return largest
}

func descends(pid, ancestor int) bool {
	for i := 0; i < 16 && pid > 1; i++ {
		if pid == ancestor {
			return true
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return false
		}
		// The command name, in parentheses, may hold spaces: read after it.
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 {
			return false
		}
		pid, _ = strconv.Atoi(f[1])
	}
	return false
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+\d+\s+(\d+) ns/op(?:\s+([\d.]+) MB/s)?`)

// measureNative runs the Go benchmarks on this machine.
func measureNative(r *report) error {
	run := func(args ...string) (map[string][2]float64, error) {
		cmd := exec.Command("go", append([]string{"test", "-run", "^$"}, args...)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go test %s: %w", strings.Join(args, " "), err)
		}
		found := map[string][2]float64{}
		for _, line := range strings.Split(string(out), "\n") {
			if m := benchLine.FindStringSubmatch(line); m != nil {
				ns, _ := strconv.ParseFloat(m[3], 64)
				mbps, _ := strconv.ParseFloat(m[4], 64)
				found[m[1]] = [2]float64{ns, mbps}
			}
		}
		return found, nil
	}
	derive, err := run("-bench", "Derive2048", "-benchtime", "12x", "./internal/keys")
	if err != nil {
		return err
	}
	aes, err := run("-bench", ".", "-benchtime", "3x", "./internal/aescbc")
	if err != nil {
		return err
	}
	d, ok := derive["Derive2048"]
	if !ok {
		return errors.New("no BenchmarkDerive2048 result")
	}
	r.add("native: 2048-bit derivation, one core (mean of 12)",
		fmt.Sprintf("%.3f s", d[0]/1e9), "(context)")
	for _, name := range []string{"Encrypt", "Decrypt"} {
		a, ok := aes[name]
		if !ok {
			return fmt.Errorf("no Benchmark%s result", name)
		}
		r.add("native: AES-256-CBC "+strings.ToLower(name)+" 64 MiB",
			fmt.Sprintf("%.0f MB/s", a[1]), "(context)")
	}
	return nil
}
