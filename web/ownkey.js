// ownkey.js is the page's side of ownkey: an ES module with a Promise API
// over a dedicated Web Worker (worker.js) in which the WebAssembly instance
// does all the cryptography. Master keys and project keys stay inside that
// instance; the objects handed out here only name them, and nothing here can
// read their bytes. See docs/JS-API.md.

import { Pool, poolSize } from './pool.js';
import { runFile, abortError } from './files.js';

export { saveFile, saveMethod } from './save.js';

const DEFAULT_BITS = 2048;

let pool = null;
let loading = null;

// load starts the first Worker and its instance; every other function
// calls it. workerUrl defaults to worker.js beside this module. More
// Workers start as new project keys are spread over the pool.
export function load({ workerUrl } = {}) {
  if (!loading) {
    pool = new Pool(workerUrl || new URL('worker.js', import.meta.url), poolSize());
    loading = pool.first().then(() => true, (err) => {
      loading = null; // the next load starts afresh
      throw err;
    });
  }
  return loading;
}

async function ready() {
  await load();
  return pool.first();
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
  await load();
  const client = await pool.next();
  const handle = await client.call('newProjectKey');
  return new ProjectKey({ client, handle });
}

// wrapProjectKey encrypts projectKey to publicKeyPem (PKCS#1 or SPKI PEM)
// and returns it in base64: for oneself, a teammate or a node.
export function wrapProjectKey(projectKey, publicKeyPem) {
  const { client, handle } = handleOf(projectKey, ProjectKey);
  return client.call('wrapProjectKey', [handle, publicKeyPem]);
}

// parsePublicKey reads a pasted public key PEM (PKCS#1 or SPKI) in the
// Worker, as the service and the CLI read it, and resolves to
// {publicKeyPem, fingerprint, bits}: the key re-encoded as PKCS#1 PEM, the
// SHA-256 of its PKCS#1 DER in hex, and its size. Anything else (a private
// key, bare base64, other text) rejects with the parser's reason. Send
// publicKeyPem onwards, never the pasted text.
export async function parsePublicKey(pem) {
  if (typeof pem !== 'string') {
    throw new TypeError('ownkey: the public key must be a string');
  }
  const client = await ready();
  return client.call('parsePublicKey', [pem]);
}

// sealSecret encrypts text (at most 245 UTF-8 bytes for RSA-2048) to
// publicKeyPem and returns it in base64.
export async function sealSecret(publicKeyPem, text) {
  const client = await ready();
  return client.call('sealSecret', [publicKeyPem, text]);
}

// encryptFile encrypts a File, a Blob or a ReadableStream of Uint8Arrays
// under projectKey into Coretex's file format. Options: onProgress
// receives {done, total} in input bytes (total when known); aborting signal
// cancels; output is 'blob' (default: a Promise of a Blob) or 'stream' (a
// Promise of a ReadableStream<Uint8Array>, produced as it is read, which
// errors rather than ends when the file fails or is cancelled); aes is
// 'auto' (default: Web Crypto where the browser has it), 'webcrypto' or
// 'go', the same bytes either way.
export function encryptFile(projectKey, input, options = {}) {
  return transform('encrypt', projectKey, input, options);
}

// decryptFile decrypts a file made by encryptFile or Coretex, with the
// options of encryptFile. A failed or cancelled decryption rejects, or
// errors its stream, and hands out nothing as complete.
export function decryptFile(projectKey, input, options = {}) {
  return transform('decrypt', projectKey, input, options);
}

async function transform(direction, projectKey, input, options) {
  const { client, handle } = handleOf(projectKey, ProjectKey);
  return runFile(client, handle, direction, input, options || {});
}

// stats reports what the instance holds (keys, open files, derivations)
// and the size of its memory, which never shrinks.
// With several Workers, the counts and memory are their sums;
// workerStats gives each one's own.
export async function stats() {
  const total = {};
  for (const w of await workerStats()) {
    for (const [name, value] of Object.entries(w)) {
      total[name] = (total[name] || 0) + value;
    }
  }
  return total;
}

// workerStats is stats for each Worker started so far, in pool order.
export async function workerStats() {
  await load();
  return Promise.all((await pool.started()).map((c) => c.call('stats')));
}
