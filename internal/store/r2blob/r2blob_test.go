//go:build js && wasm

package r2blob

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hack-pad/safejs"

	"github.com/ownkey/ownkey/internal/service"
)

// These tests run under Node (go_js_wasm_exec) against a bucket written in
// JavaScript that behaves as R2's binding does for what the store uses: a
// put or a part reads a stream of known length to its end, a multipart
// upload appears only when completed. The bucket keeps bodies on the
// JavaScript side, so Go's memory shows what the store itself holds.
// tests/workerd runs the same store against Miniflare's R2 in workerd.
const fakeBucket = `
globalThis.FixedLengthStream = class extends TransformStream {
  constructor(length) { super(); this.readable.expectedLength = length; }
};
async function drain(stream, length) {
  const chunks = [];
  let size = 0, largest = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    largest = Math.max(largest, value.byteLength);
  }
  if (size !== length) throw new Error("stream of " + size + " bytes, not " + length);
  bucket.largestChunk = Math.max(bucket.largestChunk, largest);
  return chunks;
}
function body(chunks) {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]); else controller.close();
    },
  });
}
const bucket = {
  objects: new Map(), largestChunk: 0, aborted: 0, partsSent: 0,
  async put(key, stream) {
    const chunks = await drain(stream, stream.expectedLength ?? -1);
    this.objects.set(key, { chunks, parts: 0 });
    return { key };
  },
  async get(key) {
    const object = this.objects.get(key);
    return object === undefined ? null : { body: body(object.chunks) };
  },
  async delete(key) { this.objects.delete(key); },
  async createMultipartUpload(key) {
    const parts = new Map();
    const self = this;
    return {
      async uploadPart(number, stream) {
        parts.set(number, await drain(stream, stream.expectedLength ?? -1));
        self.partsSent++;
        return { partNumber: number, etag: "part" + number };
      },
      async complete(list) {
        const chunks = [];
        list.forEach((p, i) => {
          if (p.partNumber !== i + 1) throw new Error("parts out of order");
          chunks.push(...parts.get(p.partNumber));
        });
        self.objects.set(key, { chunks, parts: list.length });
        return { key };
      },
      async abort() { self.aborted++; },
    };
  },
};
return bucket;
`

func newBucket(t *testing.T) safejs.Value {
	t.Helper()
	function, err := safejs.Global().Get("Function")
	if err != nil {
		t.Fatal(err)
	}
	factory, err := function.New(fakeBucket)
	if err != nil {
		t.Fatal(err)
	}
	bucket, err := factory.Invoke()
	if err != nil {
		t.Fatal(err)
	}
	return bucket
}

func intField(t *testing.T, v safejs.Value, name string) int {
	t.Helper()
	field, err := v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	n, err := field.Int()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pattern reads as n bytes of a fixed pseudo-random sequence without
// holding them, and hashes what it gave.
type pattern struct {
	n     int64
	state uint32
	sum   hashWriter
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newPattern(n int64) *pattern { return &pattern{n: n, state: 1, sum: sha256.New()} }

func (p *pattern) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		p.state = p.state*1664525 + 1013904223
		b[i] = byte(p.state >> 24)
	}
	p.n -= int64(len(b))
	p.sum.Write(b)
	return len(b), nil
}

// TestPutOpenStreams sends 48 MiB through a multipart upload of 5 MiB
// parts and reads it back: byte-exact, and with Go's memory far below the
// file's size, since neither direction holds it whole.
func TestPutOpenStreams(t *testing.T) {
	bucket := newBucket(t)
	store, err := New(bucket, minPartSize)
	if err != nil {
		t.Fatal(err)
	}
	const size = 48 << 20
	ctx := context.Background()
	sent := newPattern(size)
	if err := store.Put(ctx, "abc123", sent, size); err != nil {
		t.Fatal(err)
	}
	if parts := intField(t, bucket, "partsSent"); parts != 10 {
		t.Fatalf("%d parts sent, want 10 (9 of 5 MiB and the rest)", parts)
	}
	if largest := intField(t, bucket, "largestChunk"); largest > chunkSize {
		t.Fatalf("a chunk of %d bytes reached the bucket, more than %d", largest, chunkSize)
	}

	blob, err := store.Open(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	received := sha256.New()
	n, err := io.Copy(received, blob)
	if err != nil {
		t.Fatal(err)
	}
	if err := blob.Close(); err != nil {
		t.Fatal(err)
	}
	if n != size || string(received.Sum(nil)) != string(sent.sum.Sum(nil)) {
		t.Fatalf("read back %d bytes, sha256 %x; sent %d, sha256 %x", n, received.Sum(nil),
			size, sent.sum.Sum(nil))
	}

	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	t.Logf("moved %d bytes each way; Go holds %d bytes from the runtime", size, stats.Sys)
	if stats.Sys > size/2 {
		t.Fatalf("Go holds %d bytes from the runtime after moving %d: the file was buffered",
			stats.Sys, size)
	}
}

// TestPutOnePart stores a file up to the part size as one put.
func TestPutOnePart(t *testing.T) {
	bucket := newBucket(t)
	store, err := New(bucket, minPartSize)
	if err != nil {
		t.Fatal(err)
	}
	err = store.Put(context.Background(), "ab", newPattern(minPartSize), minPartSize)
	if err != nil {
		t.Fatal(err)
	}
	if parts := intField(t, bucket, "partsSent"); parts != 0 {
		t.Fatalf("%d parts sent for a file of one part", parts)
	}
	if _, err := store.Open(context.Background(), "ab"); err != nil {
		t.Fatal(err)
	}
}

// TestPutRefusesWrongLengths: a body shorter or longer than its size, in
// one put or in parts, fails and leaves no object; a multipart upload is
// aborted.
func TestPutRefusesWrongLengths(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		body      int64
		size      int64
		wantEOF   bool
		wantAbort int
	}{
		{"short put", 1000, 4096, true, 0},
		{"long put", 5000, 4096, false, 0},
		{"short in the second part", minPartSize + 100, 2 * minPartSize, true, 1},
		{"long after the last part", minPartSize + 200, minPartSize + 100, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			bucket := newBucket(t)
			store, err := New(bucket, minPartSize)
			if err != nil {
				t.Fatal(err)
			}
			err = store.Put(ctx, "dead", newPattern(c.body), c.size)
			if err == nil || errors.Is(err, io.ErrUnexpectedEOF) != c.wantEOF {
				t.Fatalf("Put = %v; want an error, ErrUnexpectedEOF: %v", err, c.wantEOF)
			}
			if _, err := store.Open(ctx, "dead"); !errors.Is(err, service.ErrNotFound) {
				t.Fatalf("after a refused Put, Open = %v, want ErrNotFound", err)
			}
			if aborted := intField(t, bucket, "aborted"); aborted != c.wantAbort {
				t.Fatalf("%d multipart uploads aborted, want %d", aborted, c.wantAbort)
			}
		})
	}
}

// TestKeysAndDelete: keys are lowercase hex, and deleting is idempotent.
func TestKeysAndDelete(t *testing.T) {
	store, err := New(newBucket(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = store.Put(ctx, "../etc", strings.NewReader("x"), 1)
	if err == nil || err.Error() != `r2blob: "../etc" is not a blob key (lowercase hex)` {
		t.Fatalf("a bad key: %v", err)
	}
	if err := store.Put(ctx, "ff", strings.NewReader(strings.Repeat("y", 32)), 32); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := store.Delete(ctx, "ff"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Open(ctx, "ff"); !errors.Is(err, service.ErrNotFound) {
		t.Fatalf("after Delete, Open = %v", err)
	}
	if _, err := New(safejs.Undefined(), 0); err == nil {
		t.Fatal("New accepted a missing binding")
	}
	if _, err := New(newBucket(t), 1<<20); err == nil {
		t.Fatal("New accepted parts of 1 MiB")
	}
}
