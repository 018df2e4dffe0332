// pool.js holds the Web Workers of ownkey.js: each one runs worker.js with
// its own WebAssembly instance. A key lives in the instance that made or
// opened it, so every call on a key goes to that Worker (its Client); new
// project keys are spread over the pool, so that files under different
// keys run in parallel. Why keys are not copied between Workers is told in
// docs/JS-API.md ("Many files at once").

// MAX_WORKERS caps the pool: each instance costs its own memory (about
// 10 MiB after files), and files under one key share one Worker anyway.
const MAX_WORKERS = 4;

// Client is one Worker and the requests waiting on it.
export class Client {
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

  terminate() {
    this.worker.terminate();
    this.fail('ownkey: the Worker was stopped; reload the page');
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

// poolSize is the number of Workers for this machine: one per processor,
// at least 2 and at most MAX_WORKERS.
export function poolSize() {
  const cores = (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 2;
  return Math.max(2, Math.min(MAX_WORKERS, cores));
}

// Pool starts Workers as they are needed: the first on load, the others
// when new project keys are spread over them.
export class Pool {
  constructor(url, size = poolSize()) {
    this.url = url;
    this.size = size;
    this.slots = new Array(size).fill(null); // Promises of ready Clients
    this.turn = 0;
  }

  // worker resolves to the Client in slot i, starting it if need be. A
  // Worker that fails to start is ended, and the next call starts afresh.
  worker(i) {
    if (!this.slots[i]) {
      const client = new Client(this.url);
      this.slots[i] = client.call('ready').then(() => client, (err) => {
        client.terminate();
        this.slots[i] = null;
        throw err;
      });
    }
    return this.slots[i];
  }

  first() {
    return this.worker(0);
  }

  // next resolves to the Client whose turn it is, round robin.
  next() {
    const i = this.turn;
    this.turn = (this.turn + 1) % this.size;
    return this.worker(i);
  }

  // started resolves to the Clients running now.
  async started() {
    const ready = await Promise.allSettled(this.slots.filter(Boolean));
    return ready.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  }
}
