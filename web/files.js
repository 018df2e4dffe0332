// files.js runs one file through a Worker: it reads the input (a Blob, a
// File or a ReadableStream) in chunks, moves each chunk's buffer to the
// Worker, and hands the output on as a Blob or as a ReadableStream pulled
// with backpressure. A failed or cancelled file never ends as if complete:
// the Promise rejects, or the stream errors.

// Chunk sizes: Go's path takes at most 4 MiB a call and keeps one chunk's
// buffers for good. Web Crypto's would take any size, but every chunk
// becomes garbage on both sides, and 1 MiB kept a 2 GiB pipe's heap at
// two thirds of what 4 MiB did; speed differed within the noise.
const CHUNK = { go: 1 << 20, webcrypto: 1 << 20 };

// IN_FLIGHT is how many chunks are sent ahead of the output read: the
// Worker works on the next while the page passes the last one on.
const IN_FLIGHT = 2;

export function abortError(what) {
  return new DOMException(`ownkey: ${what} was cancelled`, 'AbortError');
}

// runFile en- or decrypts input with the key of handle in client's Worker.
// It resolves to a Blob, or for output 'stream' to a ReadableStream, once
// the Worker has opened the file (so that a malformed length rejects here).
export async function runFile(client, handle, direction, input,
  { onProgress, signal, output = 'blob', aes = 'auto' } = {}) {
  if (output !== 'blob' && output !== 'stream') {
    throw new TypeError('ownkey: output must be "blob" or "stream"');
  }
  const source = sourceOf(input);
  const what = direction === 'encrypt' ? 'the encryption' : 'the decryption';
  if (signal && signal.aborted) {
    source.cancel();
    throw abortError(what);
  }

  let opened;
  try {
    opened = await client.call('fileOpen', [handle, direction, source.size, aes]);
  } catch (err) {
    source.cancel();
    throw err;
  }
  const run = new FileRun(client, opened.file, source, CHUNK[opened.aes], what,
    { onProgress, signal });
  return output === 'stream' ? run.stream() : run.blob();
}

// FileRun is one open file: its output steps, then the end.
class FileRun {
  constructor(client, file, source, chunkSize, what, { onProgress, signal }) {
    this.client = client;
    this.file = file;
    this.source = source;
    this.chunkSize = chunkSize;
    this.what = what;
    this.onProgress = onProgress;
    this.signal = signal;
    this.closed = false;
  }

  // outputs yields the output as Uint8Arrays, in order. Leaving it early,
  // by an error, a cancel or a return, closes the file in the Worker.
  async* outputs() {
    const inFlight = [];
    let finished = false;
    try {
      for await (const chunk of this.source.chunks(this.chunkSize)) {
        this.checkAbort();
        const done = this.source.read;
        const reply = this.client.call('fileUpdate', [this.file, chunk], { transfer: [chunk] });
        reply.catch(() => {}); // awaited below, in order
        inFlight.push({ reply, done });
        if (inFlight.length >= IN_FLIGHT) {
          yield* await this.step(inFlight.shift());
        }
      }
      while (inFlight.length > 0) {
        yield* await this.step(inFlight.shift());
      }
      this.checkAbort();
      const last = await this.client.call('fileFinal', [this.file]);
      finished = true;
      yield* last;
    } finally {
      if (!finished) {
        this.close();
      }
    }
  }

  async step({ reply, done }) {
    const out = await reply;
    this.checkAbort();
    if (this.onProgress) {
      try {
        this.onProgress({ done, total: this.source.size >= 0 ? this.source.size : undefined });
      } catch {
        // A failing progress callback must not break the file.
      }
    }
    return out;
  }

  checkAbort() {
    if (this.signal && this.signal.aborted) {
      throw abortError(this.what);
    }
  }

  close() {
    if (!this.closed) {
      this.closed = true;
      this.source.cancel();
      this.client.call('fileClose', [this.file]).catch(() => {});
    }
  }

  // blob gathers the output into a Blob, chunk by chunk (the browser may
  // keep a large Blob on disk). Nothing is handed out unless all is done.
  async blob() {
    let parts = [];
    try {
      for await (const out of this.outputs()) {
        parts.push(new Blob([out]));
      }
    } catch (err) {
      parts = null;
      throw err;
    }
    return new Blob(parts, { type: 'application/octet-stream' });
  }

  // stream hands the output out as it comes: a chunk is produced only when
  // the reader wants one. An error or an abort errors the stream, so that
  // a reader never takes part of a file for all of it.
  stream() {
    const outputs = this.outputs();
    let onAbort = null;
    const stop = () => {
      if (onAbort) {
        this.signal.removeEventListener('abort', onAbort);
      }
    };
    return new ReadableStream({
      start: (controller) => {
        if (this.signal) {
          onAbort = () => {
            controller.error(abortError(this.what));
            this.close();
            outputs.return().catch(() => {});
          };
          this.signal.addEventListener('abort', onAbort, { once: true });
        }
      },
      pull: async (controller) => {
        try {
          for (;;) {
            const { value, done } = await outputs.next();
            if (done) {
              stop();
              controller.close();
              return;
            }
            if (value.byteLength > 0) {
              controller.enqueue(value);
              return;
            }
          }
        } catch (err) {
          stop();
          throw err; // errors the stream
        }
      },
      cancel: () => {
        stop();
        this.close();
        return outputs.return().then(() => {}, () => {});
      },
    }, { highWaterMark: 1 });
  }
}

// sourceOf wraps an input: {size (or -1), read (bytes so far),
// chunks(n) yielding ArrayBuffers of n bytes but the last, cancel()}.
function sourceOf(input) {
  if (input instanceof Blob) {
    const source = {
      size: input.size,
      read: 0,
      async* chunks(n) {
        let next = input.size > 0 ? input.slice(0, n).arrayBuffer() : null;
        for (let offset = 0; offset < input.size; offset += n) {
          const chunk = await next;
          // Read the next chunk while this one is worked on.
          next = offset + n < input.size ? input.slice(offset + n, offset + 2 * n).arrayBuffer()
            : null;
          if (next) {
            next.catch(() => {});
          }
          source.read += chunk.byteLength;
          yield chunk;
        }
      },
      cancel() {},
    };
    return source;
  }
  if (typeof ReadableStream !== 'undefined' && input instanceof ReadableStream) {
    const reader = input.getReader();
    const source = {
      size: -1,
      read: 0,
      chunks: (n) => streamChunks(reader, n, source),
      cancel() {
        reader.cancel().catch(() => {});
      },
    };
    return source;
  }
  throw new TypeError('ownkey: expected a File, a Blob or a ReadableStream');
}

// streamChunks cuts a stream of byte chunks of any size into fresh
// buffers of n bytes (the last may be shorter), each of which can then be
// moved to the Worker. A chunk that is already such a buffer is moved
// without a copy, which detaches it: a stream's reader owns what it reads.
async function* streamChunks(reader, n, source) {
  let buffer = new Uint8Array(n);
  let filled = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    let bytes = asBytes(value);
    if (filled === 0 && bytes.length === n && bytes.byteOffset === 0 &&
        bytes.buffer.byteLength === n) {
      // A chunk of exactly the right size, alone in its buffer: it is moved
      // to the Worker as it is, with no copy (the stream gave it up).
      source.read += n;
      yield bytes.buffer;
      continue;
    }
    while (bytes.length > 0) {
      const k = Math.min(n - filled, bytes.length);
      buffer.set(bytes.subarray(0, k), filled);
      filled += k;
      bytes = bytes.subarray(k);
      if (filled === n) {
        source.read += n;
        yield buffer.buffer;
        buffer = new Uint8Array(n);
        filled = 0;
      }
    }
  }
  if (filled > 0) {
    source.read += filled;
    yield buffer.buffer.slice(0, filled);
  }
  buffer.fill(0);
}

function asBytes(value) {
  if (value instanceof Uint8Array) {
    return value;
  }
  if (value instanceof ArrayBuffer) {
    return new Uint8Array(value);
  }
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError('ownkey: a stream must give Uint8Array chunks');
}
