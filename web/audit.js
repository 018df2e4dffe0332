// audit.js keeps, in memory only, a record of every request the page made
// to the service: method, path, status, sizes, and what kind of data went
// each way. It is what an auditor would read in devtools, put in the page:
// a person can see that only public keys, signatures, wrapped keys, sealed
// fields, ciphertext and metadata ever left. Bodies themselves are not
// kept, so the log holds nothing worth stealing.

const entries = [];
const listeners = new Set();

// JSON_KINDS names the fields of the API (docs/API.md) by what they carry.
const JSON_KINDS = {
  publicKey: 'public key',
  value: 'challenge value',
  signature: 'signature',
  wrappedKey: 'wrapped key',
  fields: 'sealed field',
  token: 'API token',
};

// kindsOfJSON lists what a JSON body carries: the kinds of the fields it
// names (at any depth), and "metadata" for names, IDs, dates and the rest.
export function kindsOfJSON(body) {
  const kinds = new Set();
  const visit = (value) => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== 'object') {
      return;
    }
    for (const [name, inner] of Object.entries(value)) {
      if (name in JSON_KINDS && inner !== '' && inner !== null) {
        kinds.add(JSON_KINDS[name]);
      } else if (name === 'error') {
        kinds.add('error');
      } else if (inner !== null && typeof inner === 'object') {
        visit(inner);
      } else {
        kinds.add('metadata');
      }
    }
  };
  visit(body);
  if (kinds.size === 0 && body !== null && typeof body === 'object') {
    kinds.add('metadata'); // an empty list is still an answer about your account
  }
  return [...kinds];
}

// record adds one finished request. entry: {method, path, status, sent,
// received, sentKinds, receivedKinds}; status 0 means no answer came.
export function record(entry) {
  const full = { at: new Date(), ...entry };
  entries.push(full);
  for (const listener of listeners) {
    listener(full);
  }
}

// list returns a copy of every entry, oldest first.
export function list() {
  return entries.slice();
}

// onRecord calls listener with each new entry.
export function onRecord(listener) {
  listeners.add(listener);
}

// clear forgets every entry (on sign-out).
export function clear() {
  entries.length = 0;
  for (const listener of listeners) {
    listener(null);
  }
}
