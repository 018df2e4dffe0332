// download-sw.js is the Service Worker behind save.js's streamed download.
// A page hands it one end of a MessageChannel under a fresh random id, then
// opens <scope>/ownkey-download/<id> in a hidden frame; this worker answers
// that request, once, with a download whose body it pulls from the page
// chunk by chunk, so that no more than a chunk or two is ever held. An
// error in the page's stream errors the body, and the browser marks the
// download failed rather than complete. Nothing else is intercepted.
'use strict';

const PREFIX = new URL('ownkey-download/', self.registration.scope).pathname;
const waiting = new Map(); // id → {port, name}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const request = event.data && event.data.ownkeyDownload;
  if (!request || !event.ports[0] || typeof request.id !== 'string') {
    return;
  }
  waiting.set(request.id, { port: event.ports[0], name: String(request.name) });
  event.ports[0].postMessage({ registered: true });
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(PREFIX)) {
    return;
  }
  const id = url.pathname.slice(PREFIX.length);
  const entry = waiting.get(id);
  if (!entry) {
    event.respondWith(new Response('This download link has expired.', { status: 404 }));
    return;
  }
  waiting.delete(id); // one use only
  event.respondWith(new Response(pulledFrom(entry.port), {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': contentDisposition(entry.name),
      'X-Content-Type-Options': 'nosniff',
    },
  }));
});

// pulledFrom is a stream that asks the page for a chunk each time the
// browser wants one.
function pulledFrom(port) {
  return new ReadableStream({
    pull(controller) {
      return new Promise((resolve) => {
        port.onmessage = ({ data }) => {
          if (data.chunk) {
            controller.enqueue(new Uint8Array(data.chunk, data.offset, data.length));
          } else if (data.done) {
            controller.close();
            port.close();
          } else {
            controller.error(new Error(data.error || 'the file failed'));
            port.close();
          }
          resolve();
        };
        port.postMessage({ pull: true });
      });
    },
    cancel() {
      port.postMessage({ cancel: true });
      port.close();
    },
  }, { highWaterMark: 1 });
}

// contentDisposition names the file: an ASCII fallback and the exact name
// in RFC 5987 form.
function contentDisposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
