// prober.js runs in the deriving Worker (worker.js) and gives a derivation
// more processors: it starts probe Workers (probe-worker.js), each with the
// small prober.wasm, and offers them to the WebAssembly instance as
// globalThis.ownkeyProbes. The instance hands them the full-size first
// Miller-Rabin rounds of the next candidates (keys.DeriveSpeculative), which
// do not change a single drawn byte: the key is the same with or without
// them. Probe Workers see candidates and bases only, never the secret.
//
// The number of probe Workers is one less than the processors, at most 7;
// worker.js?probes=N asks for N (0 turns probing off). They start with the
// first derivation, which takes them up as they become ready. If Workers
// cannot be started here, the instance derives alone.
'use strict';

(() => {
  const MAX_PROBES = 7;

  function probeCount() {
    const asked = new URLSearchParams(self.location.search).get('probes');
    if (asked !== null && /^[0-9]+$/.test(asked)) {
      return Math.min(Number(asked), MAX_PROBES);
    }
    const cores = (self.navigator && self.navigator.hardwareConcurrency) || 1;
    return Math.max(1, Math.min(cores - 1, MAX_PROBES));
  }

  // ProbePool dispatches rounds to its Workers one at a time each, in the
  // order they came; a Worker that fails is dropped with its jobs failed.
  class ProbePool {
    constructor(size) {
      this.size = size;
      this.ready = [];    // Workers that have started, idle or not
      this.queue = [];    // jobs waiting for an idle Worker
      this.busy = new Map(); // Worker -> the job it computes
      this.nextId = 1;
      this.starting = false;
    }

    start() {
      const url = (name) => new URL(name, self.location.href);
      WebAssembly.compileStreaming(fetch(url('prober.wasm')))
        .then((module) => {
          for (let i = 0; i < this.size; i++) {
            this.startWorker(url('probe-worker.js'), module);
          }
        })
        .catch(() => {
          this.size = 0; // the instance derives alone
        });
    }

    startWorker(url, module) {
      let worker;
      try {
        worker = new Worker(url);
      } catch {
        return;
      }
      worker.onmessage = (event) => this.receive(worker, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.drop(worker, 'a probe Worker crashed');
      };
      worker.postMessage({ module });
    }

    receive(worker, message) {
      if (message.ready) {
        this.ready.push(worker);
        this.dispatch();
        return;
      }
      if (message.failed && message.id === undefined) {
        this.drop(worker, message.failed);
        return;
      }
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job && job.id === message.id) {
        if (message.failed) {
          job.reject(new Error(message.failed));
        } else {
          job.resolve(message.results);
        }
      }
      this.dispatch();
    }

    drop(worker, reason) {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.ready = this.ready.filter((w) => w !== worker);
      worker.terminate();
      if (job) {
        job.reject(new Error(reason));
      }
      if (this.ready.length === 0) {
        this.failQueue(reason);
      }
    }

    failQueue(reason) {
      for (const waiting of this.queue) {
        waiting.reject(new Error(reason));
      }
      this.queue = [];
    }

    dispatch() {
      for (const worker of this.ready) {
        if (this.queue.length === 0) {
          return;
        }
        if (!this.busy.has(worker)) {
          const job = this.queue.shift();
          this.busy.set(worker, job);
          worker.postMessage({ id: job.id, jobs: job.jobs });
        }
      }
    }

    // available is the number of probe Workers that have started. The
    // first call starts them: a Worker of the file pool that never derives
    // never starts any, and a derivation uses them as they become ready.
    available() {
      if (!this.starting) {
        this.starting = true;
        this.start();
      }
      return this.ready.length;
    }

    // run computes the rounds of jobs, a flat array [candidate, base, ...]
    // in hex, one job per Worker, and calls settle(true, '0110...') or
    // settle(false, message), exactly once.
    run(jobs, settle) {
      const rounds = [];
      for (let i = 0; i + 1 < jobs.length; i += 2) {
        rounds.push(new Promise((resolve, reject) => {
          this.queue.push({ id: this.nextId++, jobs: [jobs[i], jobs[i + 1]], resolve, reject });
        }));
      }
      if (this.ready.length === 0) {
        this.failQueue('no probe Worker is running');
      }
      this.dispatch();
      Promise.all(rounds).then(
        (results) => settle(true, results.join('')),
        (err) => settle(false, String((err && err.message) || err)),
      );
    }
  }

  const size = probeCount();
  if (size > 0 && typeof Worker === 'function' && WebAssembly.compileStreaming) {
    self.ownkeyProbes = new ProbePool(size);
  }
})();
