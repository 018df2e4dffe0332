// save.js writes a ReadableStream to a file on the user's disk as it
// streams, so that a file larger than memory can be saved:
//
// - 'picker': the File System Access API (showSaveFilePicker), where the
//   browser has it. It needs a user gesture (call it from a click).
// - 'download': a streamed download through a Service Worker
//   (download-sw.js) that answers a one-time URL with the stream.
// - 'blob': where neither exists, the whole file is gathered into a Blob
//   and downloaded from it; it must fit in memory.
//
// An error or an abort of the stream leaves no complete-looking file: the
// picker's file is not committed, and the download fails in the browser.

const DOWNLOAD_PREFIX = 'ownkey-download/';

// BLOB_WARNING_BYTES is the size above which the Blob fallback warns.
export const BLOB_WARNING_BYTES = 512 << 20;

// saveMethod is the method saveFile uses here when not told one.
export function saveMethod() {
  if (typeof self.showSaveFilePicker === 'function') {
    return 'picker';
  }
  if (self.isSecureContext && 'serviceWorker' in navigator) {
    return 'download';
  }
  return 'blob';
}

// saveFile writes stream to a file named suggestedName and resolves to
// {method, bytes, warning?} once the last byte has been handed to the
// browser. It rejects, and saves nothing complete, when the stream errors.
// method forces 'picker', 'download' or 'blob'.
export async function saveFile(stream, suggestedName, { method = saveMethod() } = {}) {
  if (!(stream instanceof ReadableStream)) {
    throw new TypeError('ownkey: saveFile needs a ReadableStream');
  }
  const name = String(suggestedName || 'download');
  switch (method) {
    case 'picker':
      return saveWithPicker(stream, name);
    case 'download':
      return saveWithServiceWorker(stream, name);
    case 'blob':
      return saveWithBlob(stream, name);
    default:
      throw new TypeError('ownkey: method must be "picker", "download" or "blob"');
  }
}

async function saveWithPicker(stream, name) {
  let handle;
  try {
    handle = await self.showSaveFilePicker({ suggestedName: name });
  } catch (err) {
    stream.cancel(err).catch(() => {});
    throw err;
  }
  // The browser writes to a side file and replaces the target only when
  // the writable closes; pipeTo aborts it instead when the stream errors.
  const writable = await handle.createWritable();
  let bytes = 0;
  const counted = stream.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  }));
  await counted.pipeTo(writable);
  return { method: 'picker', bytes };
}

async function saveWithBlob(stream, name) {
  const blob = await new Response(stream).blob();
  clickDownload(URL.createObjectURL(blob), name, true);
  const result = { method: 'blob', bytes: blob.size };
  if (blob.size > BLOB_WARNING_BYTES) {
    result.warning = `ownkey: this browser can neither stream to disk nor download a stream, ` +
      `so the whole ${(blob.size / (1 << 20)).toFixed(0)} MiB file was held in memory`;
  }
  return result;
}

function clickDownload(url, name, revoke) {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  if (revoke) {
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

let registration = null;

// serviceWorker registers download-sw.js beside this module once, and
// resolves to its active worker.
async function serviceWorker() {
  if (!registration) {
    registration = navigator.serviceWorker.register(new URL('download-sw.js', import.meta.url))
      .then(activeWorker)
      .catch((err) => {
        registration = null;
        throw new Error(`ownkey: the download helper could not start: ${err.message}`);
      });
  }
  return registration;
}

function activeWorker(reg) {
  if (reg.active) {
    return reg.active;
  }
  const installing = reg.installing || reg.waiting;
  return new Promise((resolve, reject) => {
    installing.addEventListener('statechange', () => {
      if (installing.state === 'activated') {
        resolve(installing);
      } else if (installing.state === 'redundant') {
        reject(new Error('the Service Worker did not install'));
      }
    });
  });
}

// saveWithServiceWorker gives the Service Worker one end of a channel and
// opens a one-time URL in a hidden frame; the Service Worker answers it
// with a download whose body it pulls over the channel, chunk by chunk.
async function saveWithServiceWorker(stream, name) {
  let worker;
  try {
    worker = await serviceWorker();
  } catch (err) {
    stream.cancel(err).catch(() => {});
    throw err;
  }
  const id = crypto.randomUUID();
  const channel = new MessageChannel();
  const port = channel.port1;
  const reader = stream.getReader();
  let bytes = 0;
  const { promise, resolve, reject } = Promise.withResolvers();
  const registered = Promise.withResolvers();

  port.onmessage = async ({ data }) => {
    if (data.registered) {
      registered.resolve();
      return;
    }
    if (data.cancel) {
      reader.cancel().catch(() => {});
      reject(new DOMException('ownkey: the download was cancelled in the browser', 'AbortError'));
      return;
    }
    if (!data.pull) {
      return;
    }
    try {
      const { value, done } = await reader.read();
      if (done) {
        port.postMessage({ done: true });
        resolve({ method: 'download', bytes });
        return;
      }
      bytes += value.byteLength;
      port.postMessage({ chunk: value.buffer, offset: value.byteOffset, length: value.byteLength },
        [value.buffer]);
    } catch (err) {
      port.postMessage({ error: String((err && err.message) || err) });
      reject(err);
    }
  };
  worker.postMessage({ ownkeyDownload: { id, name } }, [channel.port2]);
  await registered.promise;

  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.src = new URL(DOWNLOAD_PREFIX + id, new URL('download-sw.js', import.meta.url)).href;
  document.body.appendChild(frame);
  try {
    return await promise;
  } finally {
    port.close();
    setTimeout(() => frame.remove(), 1000);
  }
}
