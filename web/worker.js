// worker.js runs ownkey's WebAssembly instance in a dedicated Web Worker, so
// that no cryptography runs on the page's main thread. It loads the Go
// toolchain's wasm_exec.js and ownkey.wasm from beside itself, then answers
// the messages of ownkey.js: {id, op, args} in, {id, ok, value} or
// {id, ok: false, error} out, and {id, progress} while a derivation runs.
// Keys never cross this boundary: only handles, public keys, wrapped keys
// and file chunks do.
//
// Files take one of two paths, the same bytes either way: the browser's Web
// Crypto AES-CBC under a non-extractable CryptoKey that the instance
// imported (cbc-webcrypto.js; the default, being several times faster), or
// Go's AES inside the instance (where crypto.subtle is missing, or when a
// caller asks for it). Several files may be open at once; each has its own
// state, and the calls of one file run in order.
'use strict';

importScripts('wasm_exec.js');
importScripts('prober.js'); // probe Workers for derivations (prober.js)
importScripts('cbc-webcrypto.js');

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
  'wrapProjectKey', 'unwrapProjectKey', 'sealSecret', 'openSecret', 'parsePublicKey',
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
    case 'fileOpen':
      return { value: await fileOpen(...args) };
    case 'fileUpdate': {
      const [fileId, chunk] = args;
      return outputs(await inOrder(fileId, (file) => file.update(new Uint8Array(chunk))));
    }
    case 'fileFinal': {
      const fileId = args[0];
      const out = await inOrder(fileId, (file) => file.final());
      closeFile(fileId);
      return outputs(out);
    }
    case 'fileClose':
      return { value: closeFile(args[0]) };
    case 'forget': {
      cryptoKeys.delete(args[0]);
      return { value: await api.forget(args[0]) };
    }
    case 'stats': {
      const stats = await api.stats();
      return { value: { ...stats, files: stats.files + webCryptoFiles(),
                        wasmMemoryBytes: memory.buffer.byteLength } };
    }
    default:
      if (!direct.has(op)) {
        throw new Error(`ownkey: unknown operation ${JSON.stringify(op)}`);
      }
      return { value: await api[op](...args) };
  }
}

// Files open in this Worker, by id: {update, final, close, queue}.
const files = new Map();
let nextFile = 1;

// CryptoKeys imported from the instance, by project key handle: Promises,
// so that two files opened at once import once.
const cryptoKeys = new Map();

const hasWebCrypto = Boolean(self.crypto && self.crypto.subtle);

// fileOpen opens a file to 'encrypt' or 'decrypt' under a project key.
// size is the input's length, or -1; aes is 'auto' (Web Crypto where the
// browser has it), 'webcrypto' or 'go'. It resolves to {file, aes}.
async function fileOpen(keyHandle, direction, size, aes = 'auto') {
  if (direction !== 'encrypt' && direction !== 'decrypt') {
    throw new Error('ownkey: the direction must be "encrypt" or "decrypt"');
  }
  if (aes === 'auto') {
    aes = hasWebCrypto ? 'webcrypto' : 'go';
  }
  let file;
  if (aes === 'go') {
    file = await goFile(keyHandle, direction, size);
  } else if (aes === 'webcrypto') {
    if (!hasWebCrypto) {
      throw new Error('ownkey: this browser offers no Web Crypto here; use aes: "go"');
    }
    file = await webCryptoFile(keyHandle, direction, size);
  } else {
    throw new Error('ownkey: aes must be "auto", "webcrypto" or "go"');
  }
  const id = nextFile++;
  file.queue = Promise.resolve();
  files.set(id, file);
  return { file: id, aes };
}

async function goFile(keyHandle, direction, size) {
  const handle = await api.fileStart(keyHandle, direction, size);
  return {
    aes: 'go',
    update: async (chunk) => {
      const out = [await api.fileUpdate(handle, chunk)]; // copies the chunk
      if (direction === 'encrypt') {
        chunk.fill(0);
      }
      return out;
    },
    final: async () => [await api.fileFinal(handle)],
    close: () => {
      api.forget(handle).catch(() => {});
    },
  };
}

async function webCryptoFile(keyHandle, direction, size) {
  if (direction === 'decrypt' && size >= 0) {
    const problem = self.ownkeyCBC.validLength(size); // refused before any work
    if (problem) {
      throw new Error(problem);
    }
  }
  let key = cryptoKeys.get(keyHandle);
  if (!key) {
    key = api.webCryptoKey(keyHandle);
    cryptoKeys.set(keyHandle, key);
    key.catch(() => cryptoKeys.delete(keyHandle));
  }
  const cbc = direction === 'encrypt'
    ? new self.ownkeyCBC.Encrypter(await key)
    : new self.ownkeyCBC.Decrypter(await key);
  return {
    aes: 'webcrypto',
    update: async (chunk) => {
      const out = await cbc.update(chunk);
      if (direction === 'encrypt') {
        chunk.fill(0);
      }
      return out;
    },
    final: () => cbc.final(),
    close: () => cbc.close(),
  };
}

// inOrder runs step on file id after the file's earlier steps, so that a
// page may send the next chunk before the last one is done. A failed step
// closes the file.
function inOrder(id, step) {
  const file = files.get(id);
  if (!file) {
    return Promise.reject(new Error('ownkey: that file is no longer open ' +
      '(it failed or was cancelled); start it again'));
  }
  const result = file.queue.then(() => {
    if (files.get(id) !== file) {
      throw new Error('ownkey: that file is no longer open (it failed or was cancelled); ' +
        'start it again');
    }
    return step(file);
  });
  file.queue = result.catch(() => {});
  result.catch(() => closeFile(id));
  return result;
}

function closeFile(id) {
  const file = files.get(id);
  if (!file) {
    return false;
  }
  files.delete(id);
  file.close();
  return true;
}

function webCryptoFiles() {
  let n = 0;
  for (const file of files.values()) {
    n += file.aes === 'webcrypto' ? 1 : 0;
  }
  return n;
}

// outputs moves the buffers of a step's output to the page.
function outputs(views) {
  const transfer = [...new Set(views.map((v) => v.buffer))];
  return { value: views, transfer };
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
