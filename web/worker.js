// worker.js runs ownkey's WebAssembly instance in a dedicated Web Worker, so
// that no cryptography runs on the page's main thread. It loads the Go
// toolchain's wasm_exec.js and ownkey.wasm from beside itself, then answers
// the messages of ownkey.js: {id, op, args} in, {id, ok, value} or
// {id, ok: false, error} out, and {id, progress} while a derivation runs.
// Keys never cross this boundary: only handles, public keys, wrapped keys
// and file chunks do.
'use strict';

importScripts('wasm_exec.js');

let api = null;
let memory = null;
let stopped = null;

const ready = start();
ready.catch(() => {}); // reported to each caller instead

async function start() {
  const go = new Go();
  const instance = await instantiate(new URL('ownkey.wasm', self.location.href), go.importObject);
  memory = instance.exports.mem;
  const exited = go.run(instance); // runs main until it waits
  api = self.ownkey;
  if (!api) {
    throw new Error('ownkey: the WebAssembly module did not start; this browser may be too old');
  }
  exited.then(() => {
    api = null;
    stopped = 'ownkey: the WebAssembly instance stopped; reload the page';
  });
}

async function instantiate(url, imports) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`ownkey: cannot load ownkey.wasm (HTTP ${response.status}); ` +
      'check that the page is served with ownkey.wasm beside it');
  }
  const type = response.headers.get('Content-Type') || '';
  if (type.split(';')[0].trim() === 'application/wasm') {
    return (await WebAssembly.instantiateStreaming(response, imports)).instance;
  }
  // A server that sends another Content-Type still works, a little slower.
  const bytes = await response.arrayBuffer();
  return (await WebAssembly.instantiate(bytes, imports)).instance;
}

// Operations passed straight to the instance, arguments unchanged.
const direct = new Set([
  'cancel', 'publicKey', 'createChallenge', 'verifyChallenge', 'newProjectKey',
  'wrapProjectKey', 'unwrapProjectKey', 'sealSecret', 'openSecret', 'fileStart', 'forget',
]);

async function run(id, op, args) {
  await ready;
  if (!api) {
    throw new Error(stopped);
  }
  switch (op) {
    case 'ready':
      return { value: true };
    case 'derive': {
      const [secret, bits] = args;
      const onProgress = (candidates, expected) => {
        self.postMessage({ id, progress: { candidates, expected } });
      };
      let result;
      try {
        result = api.derive(id, secret, bits, onProgress); // copies the secret
      } finally {
        if (secret instanceof Uint8Array) {
          secret.fill(0);
        }
      }
      return { value: await result };
    }
    case 'fileUpdate': {
      const [file, chunk] = args;
      const out = await api.fileUpdate(file, new Uint8Array(chunk));
      return { value: out.buffer, transfer: [out.buffer] };
    }
    case 'fileFinal': {
      const out = await api.fileFinal(args[0]);
      return { value: out.buffer, transfer: [out.buffer] };
    }
    case 'stats': {
      const stats = await api.stats();
      return { value: { ...stats, wasmMemoryBytes: memory.buffer.byteLength } };
    }
    default:
      if (!direct.has(op)) {
        throw new Error(`ownkey: unknown operation ${JSON.stringify(op)}`);
      }
      return { value: await api[op](...args) };
  }
}

self.onmessage = async (event) => {
  const { id, op, args } = event.data;
  try {
    const { value, transfer } = await run(id, op, args || []);
    self.postMessage({ id, ok: true, value }, transfer || []);
  } catch (err) {
    const error = {
      name: (err && err.name) || 'Error',
      message: String((err && err.message) || err),
    };
    self.postMessage({ id, ok: false, error });
  }
};
