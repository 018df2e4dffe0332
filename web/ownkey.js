// ownkey.js is the page's side of ownkey: an ES module with a Promise API
// over a dedicated Web Worker (worker.js) in which the WebAssembly instance
// does all the cryptography. Master keys and project keys stay inside that
// instance; the objects handed out here only name them, and nothing here can
// read their bytes. See docs/JS-API.md.

const CHUNK_SIZE = 1 << 20; // file chunks sent to the Worker; it accepts up to 4 MiB
const DEFAULT_BITS = 2048;

// Client is one Worker and the requests waiting on it. Every key remembers
// its Client, so that a later pool of Workers can route each call to the
// instance that holds the key without any change to the API.
class Client {
  constructor(url) {
    this.worker = new Worker(url);
    this.nextId = 1;
    this.pending = new Map();
    this.broken = null;
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail('ownkey: the Worker failed to start or crashed; reload the page');
    };
  }

  // call sends one request and resolves with the Worker's answer. Buffers
  // in transfer are moved, not copied: the caller may not use them again.
  call(op, args = [], { transfer = [], onProgress, id } = {}) {
    if (this.broken) {
      return Promise.reject(new Error(this.broken));
    }
    id = id || this.newId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  newId() {
    return this.nextId++;
  }

  receive({ id, ok, value, error, progress }) {
    const request = this.pending.get(id);
    if (!request) {
      return;
    }
    if (progress) {
      if (request.onProgress) {
        try {
          request.onProgress(progress);
        } catch {
          // A failing progress callback must not break the request.
        }
      }
      return;
    }
    this.pending.delete(id);
    if (ok) {
      request.resolve(value);
    } else {
      request.reject(toError(error));
    }
  }

  fail(message) {
    this.broken = message;
    for (const request of this.pending.values()) {
      request.reject(new Error(message));
    }
    this.pending.clear();
  }
}

function toError({ name, message }) {
  if (name === 'AbortError') {
    return new DOMException(message, 'AbortError');
  }
  const err = new Error(message);
  err.name = name || 'Error';
  return err;
}

function abortError(what) {
  return new DOMException(`ownkey: ${what} was cancelled`, 'AbortError');
}

let client = null;
let loading = null;

// load starts the Worker and its instance; every other function calls it.
// workerUrl defaults to worker.js beside this module.
export function load({ workerUrl } = {}) {
  if (!loading) {
    client = new Client(workerUrl || new URL('worker.js', import.meta.url));
    loading = client.call('ready').catch((err) => {
      client.worker.terminate(); // the next load starts afresh
      loading = null;
      throw err;
    });
  }
  return loading;
}

async function ready() {
  await load();
  return client;
}

// Handles are kept out of the objects, in this module, so that the
// objects handed out carry nothing but their public parts.
const handles = new WeakMap();

function handleOf(key, Kind) {
  const entry = handles.get(key);
  if (!(key instanceof Kind) || !entry) {
    throw new TypeError(`ownkey: expected a ${Kind.name}`);
  }
  return entry;
}

// MasterKey is an RSA master key held by the Worker.
export class MasterKey {
  constructor(entry, info) {
    handles.set(this, entry);
    this.bits = info.bits;
    this.publicKeyPem = info.publicKeyPem;
    this.fingerprint = info.fingerprint;
    Object.freeze(this);
  }

  // createChallenge signs a fresh random value: {value, signature} in
  // base64, for the master key check on later use.
  createChallenge() {
    const { client, handle } = handleOf(this, MasterKey);
    return client.call('createChallenge', [handle]);
  }

  // unwrapProjectKey opens a project key wrapped to this master key.
  async unwrapProjectKey(wrappedBase64) {
    const { client, handle } = handleOf(this, MasterKey);
    const projectHandle = await client.call('unwrapProjectKey', [handle, wrappedBase64]);
    return new ProjectKey({ client, handle: projectHandle });
  }

  // openSecret returns the text of a secret sealed to this master key.
  openSecret(sealedBase64) {
    const { client, handle } = handleOf(this, MasterKey);
    return client.call('openSecret', [handle, sealedBase64]);
  }

  // forget wipes the key in the Worker; the object is useless afterwards.
  forget() {
    return forgetKey(this, MasterKey);
  }
}

// ProjectKey is an AES-256 project key held by the Worker.
export class ProjectKey {
  constructor(entry) {
    handles.set(this, entry);
    Object.freeze(this);
  }

  forget() {
    return forgetKey(this, ProjectKey);
  }
}

async function forgetKey(key, Kind) {
  const { client, handle } = handleOf(key, Kind);
  handles.delete(key);
  return client.call('forget', [handle]);
}

// deriveMasterKey derives the master key of secret (a string, used exactly
// as typed). bits is 2048, 3072 or 4096. onProgress receives
// {candidates, expected}; aborting signal cancels the derivation, which then
// rejects with an AbortError.
export async function deriveMasterKey(secret, { bits = DEFAULT_BITS, onProgress, signal } = {}) {
  if (typeof secret !== 'string') {
    throw new TypeError('ownkey: the secret must be a string');
  }
  if (signal && signal.aborted) {
    throw abortError('the derivation');
  }
  const client = await ready();
  const id = client.newId();
  const onAbort = () => {
    client.call('cancel', [id]).catch(() => {});
  };
  if (signal) {
    signal.addEventListener('abort', onAbort, { once: true });
  }

  // The secret goes over as bytes whose buffer is moved to the Worker,
  // which wipes it once the instance has its own copy.
  const bytes = new TextEncoder().encode(secret);
  try {
    const info = await client.call('derive', [bytes, bits], {
      id, onProgress, transfer: [bytes.buffer],
    });
    return new MasterKey({ client, handle: info.handle }, info);
  } finally {
    if (signal) {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

// verifyChallenge checks a stored challenge {value, signature} against
// publicKeyPem: true when that key made the signature, false when it did
// not (a wrong secret), and a rejection for malformed input.
export async function verifyChallenge(publicKeyPem, challenge) {
  const { value, signature } = challenge || {};
  const client = await ready();
  return client.call('verifyChallenge', [publicKeyPem, value, signature]);
}

// newProjectKey makes a fresh random project key.
export async function newProjectKey() {
  const client = await ready();
  const handle = await client.call('newProjectKey');
  return new ProjectKey({ client, handle });
}

// wrapProjectKey encrypts projectKey to publicKeyPem (PKCS#1 or SPKI PEM)
// and returns it in base64: for oneself, a teammate or a node.
export function wrapProjectKey(projectKey, publicKeyPem) {
  const { client, handle } = handleOf(projectKey, ProjectKey);
  return client.call('wrapProjectKey', [handle, publicKeyPem]);
}

// sealSecret encrypts text (at most 245 UTF-8 bytes for RSA-2048) to
// publicKeyPem and returns it in base64.
export async function sealSecret(publicKeyPem, text) {
  const client = await ready();
  return client.call('sealSecret', [publicKeyPem, text]);
}

// encryptFile encrypts a Blob or File under projectKey into a new Blob in
// Coretex's file format. onProgress receives {done, total} in input bytes.
export function encryptFile(projectKey, blob, options = {}) {
  return transform('encrypt', projectKey, blob, options);
}

// decryptFile decrypts a Blob or File made by encryptFile or Coretex. A
// failed or cancelled decryption rejects and hands out nothing.
export function decryptFile(projectKey, blob, options = {}) {
  return transform('decrypt', projectKey, blob, options);
}

async function transform(direction, projectKey, blob, { onProgress, signal } = {}) {
  const { client, handle } = handleOf(projectKey, ProjectKey);
  if (!(blob instanceof Blob)) {
    throw new TypeError('ownkey: expected a File or Blob');
  }
  const what = direction === 'encrypt' ? 'the encryption' : 'the decryption';
  if (signal && signal.aborted) {
    throw abortError(what);
  }

  const file = await client.call('fileStart', [handle, direction, blob.size]);
  let parts = [];
  try {
    let done = 0;
    for await (const chunk of blobChunks(blob, CHUNK_SIZE)) {
      if (signal && signal.aborted) {
        throw abortError(what);
      }
      done += chunk.byteLength;
      parts.push(await client.call('fileUpdate', [file, chunk], { transfer: [chunk] }));
      if (onProgress) {
        onProgress({ done, total: blob.size });
      }
    }
    if (signal && signal.aborted) {
      throw abortError(what);
    }
    parts.push(await client.call('fileFinal', [file]));
  } catch (err) {
    parts = null; // no part of a failed file is handed out
    client.call('forget', [file]).catch(() => {});
    throw err;
  }
  return new Blob(parts, { type: 'application/octet-stream' });
}

// blobChunks reads blob as ArrayBuffers of at most size bytes. A later
// ReadableStream input is another such source.
async function* blobChunks(blob, size) {
  for (let offset = 0; offset < blob.size; offset += size) {
    yield await blob.slice(offset, offset + size).arrayBuffer();
  }
}

// stats reports what the instance holds (keys, open files, derivations)
// and the size of its memory, which never shrinks.
export async function stats() {
  const client = await ready();
  return client.call('stats');
}
