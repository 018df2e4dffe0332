package browser

import (
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAESPathsSpeed measures AES-256-CBC on 256 MiB in the page: the
// pure-Go path, the Web Crypto path through ownkey (both streamed from a
// buffer in memory and read to the end), and one Web Crypto call on the
// whole buffer.
// The default path must be the faster of ownkey's two.
func TestAESPathsSpeed(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	got := eval[map[string]float64](p, `(async () => {
  const size = 256 << 20;
  const raw = new Uint8Array(size);
  for (let j = 0; j < size; j += 65536) { crypto.getRandomValues(raw.subarray(j, j + 65536)); }
  // Input from memory, as for the single call: a stream of 4 MiB views.
  const input = (bytes) => T.chunked(bytes, [4 << 20]);
  const mbps = (ms) => size / 1e6 / (ms / 1000);
  const key = await T.o.newProjectKey();
  const out = {};
  const timed = async (fn) => {
    const t0 = performance.now(); await fn(); return performance.now() - t0; };
  const drained = async (stream) => {
    const r = await T.drain(stream, { keep: false });
    if (r.error) { throw new Error(r.error.message); }
    return r.bytes;
  };

  // The default path first: it must not be Go's, whose buffers would grow.
  out.defaultEncrypt = mbps(await timed(async () => drained(await T.o.encryptFile(key, input(raw),
    { output: 'stream' }))));
  out.goBuffersAfterDefault = (await T.o.stats()).bufferBytes;
  const enc = new Uint8Array(await (await T.o.encryptFile(key, input(raw))).arrayBuffer());
  for (const aes of ['webcrypto', 'go']) {
    let n = 0;
    out[aes + 'Encrypt'] = mbps(await timed(async () => { n = await drained(
      await T.o.encryptFile(key, input(raw), { aes, output: 'stream' })); }));
    out[aes + 'EncryptedBytes'] = n;
    out[aes + 'Decrypt'] = mbps(await timed(async () => { n = await drained(
      await T.o.decryptFile(key, input(enc), { aes, output: 'stream' })); }));
    out[aes + 'DecryptedBytes'] = n;
  }
  out.goBuffersAfterGo = (await T.o.stats()).bufferBytes;

  const own = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false,
    ['encrypt', 'decrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(16));
  let sealed = null;
  out.singleEncrypt = mbps(await timed(async () => {
    sealed = await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, own, raw); }));
  out.singleDecrypt = mbps(await timed(async () => {
    await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, own, sealed); }));
  await key.forget();
  return out;
})()`)

	const size = 256 << 20
	for _, path := range paths {
		assert.EqualValues(t, size+16+16, got[path+"EncryptedBytes"], "%s path", path)
		assert.EqualValues(t, size, got[path+"DecryptedBytes"], "%s path", path)
	}
	assert.Zero(t, got["goBuffersAfterDefault"], "the default path is not Go's")
	assert.Positive(t, got["goBuffersAfterGo"], "aes: 'go' takes Go's path")
	assert.Greater(t, got["webcryptoEncrypt"], got["goEncrypt"], "Web Crypto is the faster")
	assert.Greater(t, got["webcryptoDecrypt"], got["goDecrypt"], "Web Crypto is the faster")
	t.Logf("AES-256-CBC on 256 MiB, MB/s (encrypt / decrypt):")
	t.Logf("  pure Go in the Worker:     %7.0f / %7.0f", got["goEncrypt"], got["goDecrypt"])
	t.Logf("  Web Crypto through ownkey: %7.0f / %7.0f (default path: %.0f encrypt)",
		got["webcryptoEncrypt"], got["webcryptoDecrypt"], got["defaultEncrypt"])
	t.Logf("  one Web Crypto call:       %7.0f / %7.0f", got["singleEncrypt"], got["singleDecrypt"])
	t.Logf("  ownkey / single call:      %7.2f / %7.2f",
		got["webcryptoEncrypt"]/got["singleEncrypt"], got["webcryptoDecrypt"]/got["singleDecrypt"])
}

// TestTwoGiBStreamsInBoundedMemory encrypts 2 GiB made on the fly as a
// stream, reading the output to its end, then encrypts and decrypts
// another 2 GiB in one pipe and checks every byte. The page's JS heap plus
// the WebAssembly memory must stay under 256 MiB; the tab's resident memory
// (sampled from /proc) is logged beside them.
func TestTwoGiBStreamsInBoundedMemory(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	browserPID := chromedp.FromContext(shared.ctx).Browser.Process().Pid

	var mu sync.Mutex
	var peak int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			rss := rendererRSS(browserPID)
			mu.Lock()
			peak = max(peak, rss)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	measure := func(script string) (map[string]float64, int64) {
		mu.Lock()
		peak = 0
		mu.Unlock()
		got := eval[map[string]float64](p, script)
		mu.Lock()
		defer mu.Unlock()
		return got, peak
	}

	const setup = `
  const size = 2 ** 31;
  const word = (w) => Math.imul(w, 0x9e3779b1) ^ (w >>> 3);
  const source = () => { let offset = 0; return new ReadableStream({ pull(c) {
    if (offset >= size) { c.close(); return; }
    const n = Math.min(4 << 20, size - offset);
    const words = new Uint32Array(n / 4);
    for (let i = 0, w = offset / 4; i < words.length; i++, w++) { words[i] = word(w); }
    offset += n;
    c.enqueue(new Uint8Array(words.buffer));
  } }, { highWaterMark: 0 }); };
  const key = await T.o.newProjectKey();
  let heap = 0, wasm = 0;
  const sampler = setInterval(async () => {
    heap = Math.max(heap, performance.memory.usedJSHeapSize);
    wasm = Math.max(wasm, (await T.o.stats()).wasmMemoryBytes);
  }, 50);
  const t0 = performance.now();`
	const finish = `
  clearInterval(sampler);
  await key.forget();`

	encrypted, encryptPeak := measure(`(async () => {` + setup + `
  const r = await T.drain(await T.o.encryptFile(key, source(), { output: 'stream' }),
    { keep: false });
  const ms = performance.now() - t0;` + finish + `
  return { bytes: r.error ? -1 : r.bytes, ms, heap, wasm };
})()`)
	roundTrip, roundTripPeak := measure(`(async () => {` + setup + `
  let wrong = 0;
  // The expected bytes, made again into one reused buffer: the check
  // itself must not add garbage to the heap it measures.
  const words = new Uint32Array(1 << 20), want = new Uint8Array(words.buffer);
  let at = want.length, next = 0;
  const plain = await T.o.decryptFile(key, await T.o.encryptFile(key, source(),
    { output: 'stream' }), { output: 'stream' });
  const r = await T.drain(plain, { keep: false, check: async (v) => {
    for (let i = 0; i < v.length; i++, at++) {
      if (at === want.length) {
        for (let j = 0; j < words.length; j++) { words[j] = word(next + j); }
        next += words.length;
        at = 0;
      }
      if (want[at] !== v[i]) { wrong++; }
    }
  } });
  const ms = performance.now() - t0;` + finish + `
  return { bytes: r.error ? -1 : r.bytes, wrong, ms, heap, wasm };
})()`)
	close(stop)
	<-done

	const size = 1 << 31
	require.EqualValues(t, size+16+16, encrypted["bytes"], "2 GiB encrypted to the end")
	require.EqualValues(t, size, roundTrip["bytes"], "2 GiB back to the end")
	assert.Zero(t, roundTrip["wrong"], "every byte of the round trip is the original")
	const limit = 256 << 20
	runs := map[string]map[string]float64{"encrypt": encrypted, "round trip": roundTrip}
	for name, r := range runs {
		// Limitation: Chromium gives a Worker no performance.memory, so
		// the Worker's own heap is only in the resident memory logged below.
		assert.Less(t, r["heap"]+r["wasm"], float64(limit),
			"%s: the page's JS heap and the WebAssembly memory", name)
	}
	mib := func(v float64) float64 { return v / (1 << 20) }
	t.Logf("2 GiB encrypt, stream to stream: %.1f s (%.0f MB/s incl. making the input); "+
		"peak tab RSS %.0f MiB; peak page JS heap %.0f MiB; wasm %.0f MiB",
		encrypted["ms"]/1000, size/1e6/(encrypted["ms"]/1000), mib(float64(encryptPeak)),
		mib(encrypted["heap"]), mib(encrypted["wasm"]))
	t.Logf("2 GiB encrypt then decrypt in one pipe, every byte checked: %.1f s; "+
		"peak tab RSS %.0f MiB; peak page JS heap %.0f MiB; wasm %.0f MiB",
		roundTrip["ms"]/1000, mib(float64(roundTripPeak)), mib(roundTrip["heap"]),
		mib(roundTrip["wasm"]))
}
