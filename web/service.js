// service.js talks to ownkey's service (docs/API.md) on the page's own
// origin. It sends only what the page hands it, which is public material,
// wrapped or sealed values and ciphertext; every request is written to the
// audit log (audit.js) with its sizes and the kinds of data it carried.

import * as audit from './audit.js';

const encoder = new TextEncoder();

// ServiceError is a refusal by the service, or no answer at all (status 0),
// with a message a person can act on.
export class ServiceError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
  }
}

const UNREACHABLE = 'The service cannot be reached: check that it is running and that ' +
  'this computer is online, then try again.';

// detect resolves to true when the page is served by `ownkey serve` (an
// API under /api/ answers in JSON), false for a page served alone. It asks
// GET /api/health, which needs no token; a service from before that
// endpoint answers 404, and is then asked GET /api/me as before.
export async function detect() {
  const health = await probe('/api/health');
  if (health === null) {
    return false;
  }
  if (health.status === 404) {
    const me = await probe('/api/me');
    return me !== null && me.json;
  }
  return health.json;
}

// probe GETs path without a token and resolves to {status, json}, or null
// when nothing answered. An answer in JSON is the service's, and is written
// to the audit log like any other request.
async function probe(path) {
  let response;
  try {
    response = await fetch(path.slice(1), { cache: 'no-store' });
  } catch {
    return null;
  }
  const text = await response.text().catch(() => '');
  const type = response.headers.get('Content-Type') || '';
  const json = type.startsWith('application/json');
  if (json) {
    let answer = null;
    try {
      answer = JSON.parse(text);
    } catch {
      // recorded as it is
    }
    audit.record({ method: 'GET', path, status: response.status, sent: 0,
      received: encoder.encode(text).length, sentKinds: [],
      receivedKinds: answer ? audit.kindsOfJSON(answer) : [] });
  }
  return { status: response.status, json };
}

// Client calls the API with one token (a user's, or none for sign-up).
export class Client {
  constructor(token) {
    this.token = token || '';
  }

  headers(extra) {
    const headers = { ...extra };
    if (this.token) {
      headers.Authorization = `Bearer ${this.token}`;
    }
    return headers;
  }

  // call sends a JSON request (body optional) and resolves to the JSON
  // answer; a 4xx or 5xx rejects with the service's own sentence.
  async call(method, path, body) {
    const init = { method, headers: this.headers(), cache: 'no-store' };
    let sent = 0;
    let sentKinds = [];
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
      sent = encoder.encode(init.body).length;
      sentKinds = audit.kindsOfJSON(body);
    }
    let response;
    try {
      response = await fetch('api' + path, init);
    } catch {
      audit.record({ method, path: '/api' + path, status: 0, sent, received: 0, sentKinds,
        receivedKinds: [] });
      throw new ServiceError(0, UNREACHABLE);
    }
    const text = await response.text();
    let answer = null;
    try {
      answer = text === '' ? null : JSON.parse(text);
    } catch {
      // a proxy's HTML error page: told below
    }
    audit.record({ method, path: '/api' + path, status: response.status, sent,
      received: encoder.encode(text).length, sentKinds,
      receivedKinds: answer ? audit.kindsOfJSON(answer) : [] });
    if (!response.ok) {
      throw refusal(response.status, answer);
    }
    return answer;
  }

  // upload POSTs an encrypted Blob as the file's body. XMLHttpRequest is
  // used because it reports upload progress, and the service needs a
  // Content-Length, which a streamed fetch body cannot give.
  upload(path, blob, { onProgress, signal } = {}) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', 'api' + path);
      for (const [name, value] of Object.entries(this.headers(
        { 'Content-Type': 'application/octet-stream' }))) {
        xhr.setRequestHeader(name, value);
      }
      const finish = (status, text) => {
        let answer = null;
        try {
          answer = text ? JSON.parse(text) : null;
        } catch {
          // told below
        }
        audit.record({ method: 'POST', path: '/api' + path, status, sent: blob.size,
          received: encoder.encode(text || '').length, sentKinds: ['ciphertext'],
          receivedKinds: answer ? audit.kindsOfJSON(answer) : [] });
        return answer;
      };
      xhr.upload.onprogress = (event) => onProgress && onProgress(event.loaded, blob.size);
      xhr.onload = () => {
        const answer = finish(xhr.status, xhr.responseText);
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(answer);
        } else {
          reject(refusal(xhr.status, answer));
        }
      };
      xhr.onerror = () => {
        finish(0, '');
        reject(new ServiceError(0, UNREACHABLE));
      };
      xhr.onabort = () => {
        finish(0, '');
        reject(new DOMException('The upload was cancelled', 'AbortError'));
      };
      if (signal) {
        if (signal.aborted) {
          xhr.onabort();
          return;
        }
        signal.addEventListener('abort', () => xhr.abort(), { once: true });
      }
      xhr.send(blob);
    });
  }

  // download GETs an encrypted file and resolves to its body, a stream,
  // once the service has answered.
  async download(path, { signal } = {}) {
    let response;
    try {
      response = await fetch('api' + path, { headers: this.headers(), cache: 'no-store',
        signal });
    } catch (err) {
      audit.record({ method: 'GET', path: '/api' + path, status: 0, sent: 0, received: 0,
        sentKinds: [], receivedKinds: [] });
      if (err && err.name === 'AbortError') {
        throw err;
      }
      throw new ServiceError(0, UNREACHABLE);
    }
    if (!response.ok) {
      const text = await response.text();
      let answer = null;
      try {
        answer = JSON.parse(text);
      } catch {
        // told below
      }
      audit.record({ method: 'GET', path: '/api' + path, status: response.status, sent: 0,
        received: encoder.encode(text).length, sentKinds: [],
        receivedKinds: answer ? audit.kindsOfJSON(answer) : [] });
      throw refusal(response.status, answer);
    }
    audit.record({ method: 'GET', path: '/api' + path, status: response.status, sent: 0,
      received: Number(response.headers.get('Content-Length') || 0), sentKinds: [],
      receivedKinds: ['ciphertext'] });
    return response.body;
  }
}

function refusal(status, answer) {
  if (answer && typeof answer.error === 'string' && answer.error !== '') {
    return new ServiceError(status, answer.error);
  }
  if (status >= 500) {
    return new ServiceError(status, `The service failed (HTTP ${status}); nothing was ` +
      'changed. Try again in a moment.');
  }
  return new ServiceError(status, `The service refused the request (HTTP ${status}).`);
}
