package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ownkey/ownkey/internal/aescbc"
	"github.com/ownkey/ownkey/internal/testvectors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type jsError struct{ Name, Message string }

// TestCancelMidFileThenSucceed aborts a streamed encryption and a Blob
// decryption mid-file on each path: the stream errors with an AbortError
// (it does not end), the Blob is never handed out, no file stays open, and
// the same Worker then encrypts and decrypts exactly under the same key.
func TestCancelMidFileThenSucceed(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			p.t = t
			got := eval[struct {
				Stream       *jsError
				StreamBytes  int64
				Blob         *jsError
				BlobHandled  bool
				Files        int
				Workers      int
				WorkersAfter int
				RoundTrip    bool
				Fresh        bool
			}](p, fmt.Sprintf(`(async () => {
  const aes = %q;
  const key = await T.o.newProjectKey();
  const workers = (await T.o.workerStats()).length;
  const controller = new AbortController();
  const stream = await T.o.encryptFile(key, T.generated(64 << 20), { aes, output: 'stream',
    signal: controller.signal });
  const drained = await T.drain(stream, { keep: false, check: (value, before) => {
    if (before > (8 << 20)) { controller.abort(); } } });

  const plain = new Uint8Array(12 << 20).map((_, i) => T.pattern(i));
  const enc = await T.o.encryptFile(key, new Blob([plain]), { aes });
  const second = new AbortController();
  let blob = null, blobError = null;
  try {
    blob = await T.o.decryptFile(key, enc, { aes, signal: second.signal,
      onProgress: () => second.abort() });
  } catch (err) { blobError = { name: err.name, message: err.message }; }
  const files = (await T.o.stats()).files;

  const dec = new Uint8Array(await (await T.o.decryptFile(key, enc, { aes })).arrayBuffer());
  const roundTrip = dec.length === plain.length && dec.every((x, i) => x === plain[i]);
  const again = await T.drain(await T.o.encryptFile(key, T.generated(3 << 20), { aes,
    output: 'stream' }));
  const back = await T.drain(await T.o.decryptFile(key, await T.o.encryptFile(key,
    T.generated(3 << 20), { aes }), { aes, output: 'stream' }), { keep: false,
    check: (value, before) => { for (let i = 0; i < value.length; i++) {
      if (value[i] !== T.pattern(before + i)) { throw new Error('byte ' + (before + i)); } } } });
  await key.forget();
  return { stream: drained.error, streamBytes: drained.bytes, blob: blobError,
           blobHandled: blob !== null, files, workers,
           workersAfter: (await T.o.workerStats()).length,
           roundTrip, fresh: !again.error && again.bytes === (3 << 20) + 16 + 16 &&
             !back.error && back.bytes === 3 << 20 };
})()`, path))

			require.NotNil(t, got.Stream, "the cancelled stream ended instead of failing")
			assert.Equal(t, jsError{"AbortError", "ownkey: the encryption was cancelled"},
				*got.Stream)
			assert.Less(t, got.StreamBytes, int64(64<<20), "cancelled before the end")
			require.NotNil(t, got.Blob, "the decryption was not cancelled")
			assert.Equal(t, jsError{"AbortError", "ownkey: the decryption was cancelled"},
				*got.Blob)
			assert.False(t, got.BlobHandled)
			assert.Zero(t, got.Files, "no file left open")
			assert.Equal(t, got.Workers, got.WorkersAfter, "no Worker was replaced")
			assert.True(t, got.RoundTrip, "the same Worker decrypts afterwards")
			assert.True(t, got.Fresh, "and streams afterwards")
		})
	}
	p.t = t
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestTwoFilesAtOnceWithTwoKeys runs files at once: two keys made in two
// pool Workers, and two files under one key in one Worker, each on both
// paths. Every output is checked against the standard library with the
// keys opened here from their wrapped form.
func TestTwoFilesAtOnceWithTwoKeys(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	master := p.unlockVectorMaster()

	where := eval[[]int](p, `(async () => {
  T.keys.a = await T.o.newProjectKey();
  T.keys.b = await T.o.newProjectKey();
  return (await T.o.workerStats()).map((w) => w.projectKeys); })()`)
	require.GreaterOrEqual(t, len(where), 2, "a pool of at least two Workers")
	assert.Equal(t, 1, where[0], "one key in the first Worker")
	assert.Equal(t, 1, where[1], "the other in the second")
	keyA, keyB := p.takeKey(master, "a"), p.takeKey(master, "b")
	require.NotEqual(t, fingerprint(keyA), fingerprint(keyB))

	plainA := testvectors.ChainBytes("file a", 9<<20+7)
	plainB := testvectors.ChainBytes("file b", 6<<20+16)
	plainC := testvectors.ChainBytes("file c", 5<<20+1)
	type out struct{ IV, SHA, Back string }
	got := eval[map[string]out](p, fmt.Sprintf(`(async (inputs) => {
  const run = async (name, keyName, aes) => {
    const plain = T.bytes(inputs[name]);
    const key = T.keys[keyName];
    const enc = await T.drain(await T.o.encryptFile(key, T.chunked(plain, [1 << 20, 333333]),
      { aes, output: 'stream' }));
    const blob = await T.o.encryptFile(key, new Blob([plain]), { aes });
    const back = await T.sha(await T.o.decryptFile(key, blob, { aes }));
    return [name + '/' + aes, { iv: enc.iv, sha: enc.sha, back }];
  };
  const jobs = [];
  for (const aes of ['webcrypto', 'go']) {
    jobs.push(run('a', 'a', aes), run('b', 'b', aes), run('c', 'a', aes));
  }
  return Object.fromEntries(await Promise.all(jobs));
})(%s)`, mustJSON(t, map[string]string{"a": b64(plainA), "b": b64(plainB), "c": b64(plainC)})))

	for _, path := range paths {
		for name, c := range map[string]struct {
			key, plain []byte
		}{"a": {keyA, plainA}, "b": {keyB, plainB}, "c": {keyA, plainC}} {
			r := got[name+"/"+path]
			assert.Equal(t, encryptedSHA(t, c.key, c.plain, r.IV), r.SHA, "file %s, %s path", name, path)
			assert.Equal(t, fingerprint(c.plain), r.Back, "file %s, %s path, decrypted", name, path)
		}
	}
	stats := eval[map[string]float64](p, `T.o.stats()`)
	assert.Zero(t, stats["files"], "no file left open")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestFailedDecryptErrorsTheStream feeds truncated and too-short files as
// streams, whose length is unknown until they end: the output stream
// errors with aescbc's error, after handing out what it had, and never
// ends as if complete; as Blobs they reject before any work.
func TestFailedDecryptErrorsTheStream(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	type result struct {
		Stream, Blob, StreamToBlob *jsError
		Before                     int64
	}
	got := eval[map[string]result](p, `(async () => {
  const key = await T.o.newProjectKey();
  const out = {};
  const whole = new Uint8Array(await (await T.o.encryptFile(key,
    T.generated((5 << 20) + 5))).arrayBuffer());
  const cases = { truncated: whole.subarray(0, whole.length - 7), short: whole.subarray(0, 15) };
  const error = async (fn) => { try { await fn(); return null; }
    catch (err) { return { name: err.name, message: err.message }; } };
  for (const aes of ['webcrypto', 'go']) {
    for (const [name, bytes] of Object.entries(cases)) {
      const drained = await T.drain(await T.o.decryptFile(key, T.chunked(bytes, [1 << 20]),
        { aes, output: 'stream' }), { keep: false });
      out[name + '/' + aes] = {
        stream: drained.error || null, before: drained.bytes,
        blob: await error(() => T.o.decryptFile(key, new Blob([bytes]), { aes })),
        streamToBlob: await error(() => T.o.decryptFile(key, T.chunked(bytes, [4096]), { aes })),
      };
    }
  }
  await key.forget();
  return out;
})()`)
	want := map[string]string{"truncated": aescbc.ErrNotWholeBlocks.Error(),
		"short": aescbc.ErrTooShort.Error()}
	for _, path := range paths {
		for name, message := range want {
			r := got[name+"/"+path]
			what := name + ", " + path + " path"
			for kind, e := range map[string]*jsError{"stream": r.Stream, "Blob": r.Blob,
				"stream to Blob": r.StreamToBlob} {
				require.NotNil(t, e, "%s: the %s did not fail", what, kind)
				assert.Equal(t, jsError{"Error", message}, *e, "%s: %s", what, kind)
			}
		}
	}
	assert.Positive(t, got["truncated/webcrypto"].Before, "output came before the end")

	// Saved as a streamed download, the failed file is refused by the
	// browser: saveFile rejects and nothing appears under its name.
	saved := eval[map[string]any](p, `(async () => {
  const key = await T.o.newProjectKey();
  const whole = new Uint8Array(await (await T.o.encryptFile(key,
    T.generated((9 << 20) + 3))).arrayBuffer());
  const stream = await T.o.decryptFile(key, T.chunked(whole.subarray(0, whole.length - 7),
    [1 << 20]), { output: 'stream' });
  try { await T.o.saveFile(stream, 'damaged.bin', { method: 'download' }); return { ok: true }; }
  catch (err) { return { message: err.message }; }
})()`)
	assert.Equal(t, aescbc.ErrNotWholeBlocks.Error(), saved["message"], "saveFile rejects")
	time.Sleep(2 * time.Second) // time for the browser to finish, wrongly, if it would
	_, err := os.Stat(filepath.Join(p.downloadDir, "damaged.bin"))
	assert.True(t, os.IsNotExist(err), "no damaged.bin saved as if complete")
	stats := eval[map[string]float64](p, `T.o.stats()`)
	assert.Zero(t, stats["files"], "no file left open")
	assert.Empty(t, p.console.kinds(), "the page wrote to its console")
}

// TestThousandFileOperationsKeepMemoryFlat runs a thousand small files
// through one Worker on each path. Go's WebAssembly memory never shrinks,
// so any copy or js.Func kept per call would show as growth: after the
// hundredth operation it must not grow by more than one 1 MiB chunk.
func TestThousandFileOperationsKeepMemoryFlat(t *testing.T) {
	p := openPage(t)
	p.installHelpers()
	got := eval[map[string][]float64](p, `(async () => {
  const key = await T.o.newProjectKey();
  const plain = new Uint8Array(70000).map((_, i) => T.pattern(i));
  const memory = async () => (await T.o.workerStats())[0].wasmMemoryBytes;
  const out = {};
  for (const aes of ['go', 'webcrypto']) {
    const seen = [];
    let ok = true;
    for (let op = 1; op <= 1000; op++) {
      const enc = await T.o.encryptFile(key, new Blob([plain]), { aes });
      const dec = await T.drain(await T.o.decryptFile(key, enc, { aes, output: 'stream' }),
        { keep: false, check: (v, before) => { if (v[0] !== plain[before]) { ok = false; } } });
      ok = ok && dec.bytes === plain.length;
      if (op === 1 || op === 100 || op === 1000) { seen.push(await memory()); }
    }
    seen.push(ok ? 1 : 0);
    out[aes] = seen;
  }
  await key.forget();
  const stats = await T.o.stats();
  out.left = [stats.files, stats.projectKeys];
  return out;
})()`)
	for _, path := range []string{"go", "webcrypto"} {
		seen := got[path]
		require.Len(t, seen, 4)
		assert.Equal(t, 1.0, seen[3], "%s path: every round trip was exact", path)
		assert.InDelta(t, seen[1], seen[2], 1<<20, "%s path: memory after op 100 and op 1000", path)
		t.Logf("%s path: wasm memory after op 1, 100, 1000: %.1f, %.1f, %.1f MiB", path,
			seen[0]/(1<<20), seen[1]/(1<<20), seen[2]/(1<<20))
	}
	assert.Equal(t, []float64{0, 0}, got["left"], "no file or key left")
}
