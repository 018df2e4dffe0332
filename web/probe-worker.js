// probe-worker.js is one probe Worker of a derivation: it runs prober.wasm
// (wasm/prober), which computes full-size Miller-Rabin rounds of prime
// candidates, and nothing else. prober.js, in the deriving Worker, starts it
// and sends it the compiled module, then jobs: {module} in, {ready: true} or
// {failed} out; then {id, jobs: [candidate, base, ...]} in (hex), and
// {id, results: '0110...'} or {id, failed} out. It never sees a secret or a
// key, and it logs nothing.
'use strict';

importScripts('wasm_exec.js');

let round = null;

async function start(module) {
  const go = new Go();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  go.run(instance); // returns once main waits; ownkeyRound is installed by then
  if (typeof self.ownkeyRound !== 'function') {
    throw new Error('the probe module did not start');
  }
  round = self.ownkeyRound;
}

function evaluate(jobs) {
  let results = '';
  for (let i = 0; i + 1 < jobs.length; i += 2) {
    const passes = round(jobs[i], jobs[i + 1]);
    if (passes === null) {
      throw new Error('a probe job is not a candidate and base');
    }
    results += passes ? '1' : '0';
  }
  return results;
}

self.onmessage = async (event) => {
  const { id, module, jobs } = event.data;
  if (module) {
    try {
      await start(module);
      self.postMessage({ ready: true });
    } catch (err) {
      self.postMessage({ failed: String((err && err.message) || err) });
    }
    return;
  }
  try {
    self.postMessage({ id, results: evaluate(jobs) });
  } catch (err) {
    self.postMessage({ id, failed: String((err && err.message) || err) });
  }
};
