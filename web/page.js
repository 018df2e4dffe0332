// page.js drives index.html with ownkey.js. It holds no key material: only
// the MasterKey and ProjectKey objects, which name keys kept in the Worker.
// It logs nothing; every outcome is written into the page.

import * as ownkey from './ownkey.js';
import * as app from './app.js';
import { detect } from './service.js';

const CHECK_STORAGE = 'ownkey.masterKeyCheck';

const $ = (id) => document.getElementById(id);

const state = {
  masterKey: null,
  projectKey: null,
  projectKeySource: '', // where the current project key came from, for the page
  deriving: null, // AbortController of the running derivation
  fileWork: null, // AbortController of the running file job
  downloadUrl: null,
  service: false, // served by `ownkey serve`: the check lives in the service
};

// humane turns an error into a sentence for the page: the package prefixes
// ("keys: ", "wasm: ") go, the wording the engine chose stays.
function humane(err) {
  if (err && err.name === 'AbortError') {
    return 'Cancelled.';
  }
  let text = String((err && err.message) || err);
  text = text.replace(/^(?:[a-z]+: )+/, '');
  text = text.replace(/\b(?:keys|aescbc|wasm|ownkey): /g, '');
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + '.';
}

function say(id, kind, text) {
  const el = $(id);
  el.className = 'message' + (kind ? ' ' + kind : '');
  el.textContent = text;
}

function setEnabled() {
  const unlocked = state.masterKey !== null;
  const hasProject = state.projectKey !== null;
  const busyDerive = state.deriving !== null;
  const busyFile = state.fileWork !== null;
  $('derive').disabled = busyDerive || !ownkeyReady;
  $('project').setAttribute('aria-disabled', String(!unlocked));
  $('new-project-key').disabled = !unlocked;
  $('open-project-key').disabled = !unlocked;
  $('share-project-key').disabled = !hasProject;
  $('files').setAttribute('aria-disabled', String(!hasProject));
  $('encrypt-button').disabled = !hasProject || busyFile;
  $('decrypt-button').disabled = !hasProject || busyFile;
  $('copy-wrapped-own').disabled = $('wrapped-own').value === '';
  $('copy-wrapped-share').disabled = $('wrapped-share').value === '';
}

// The stored master key check (public key, value, signature), or null.
function storedCheck() {
  const raw = localStorage.getItem(CHECK_STORAGE);
  if (raw === null) {
    return null;
  }
  try {
    const check = JSON.parse(raw);
    if (check && typeof check.value === 'string' && typeof check.signature === 'string') {
      return check;
    }
  } catch {
    // falls through to the error below
  }
  throw new Error('The check stored in this browser is damaged. ' +
    'Use "Forget the stored check" and unlock again.');
}

// firstUse is true when the next unlock fixes the master key: the account
// has none registered yet, or (without the service) this browser stores no
// check. The secret is then asked for twice.
function firstUse() {
  if (state.service) {
    return app.firstUnlock();
  }
  return localStorage.getItem(CHECK_STORAGE) === null;
}

function showCheckNote() {
  const twice = firstUse();
  $('secret-again-row').hidden = !twice;
  if (!twice) {
    $('secret-again').value = '';
  }
  if (state.service) {
    $('check-note').textContent = app.checkNote();
    $('reset-check').hidden = true;
    return;
  }
  const stored = localStorage.getItem(CHECK_STORAGE) !== null;
  $('check-note').textContent = stored
    ? 'This browser remembers a check of your master key: a mistyped secret is caught ' +
      'before anything is opened.'
    : 'First use in this browser: unlocking stores a check so that a mistyped secret ' +
      'is caught next time.';
  $('reset-check').hidden = !stored;
}

const mismatch = 'The two secrets differ. Nothing was derived or registered: type your ' +
  'secret again in both fields.';

// A password field drops line breaks without a word, so a pasted secret
// with one would derive another key than the command line does.
const lineBreak = 'This text has a line break, and line breaks cannot be typed here ' +
  '(this field would drop them and derive another key). Nothing was pasted. A secret ' +
  'with a line break works only on the command line: ownkey derive < secret-file.';

// refuseLineBreaks stops a paste or drop of text with \r or \n into a
// secret field, and says why.
function refuseLineBreaks(event, text) {
  if (typeof text !== 'string' || !/[\r\n]/.test(text)) {
    return;
  }
  event.preventDefault();
  say('master-message', 'error', lineBreak);
}

const wrongSecret = 'This is not the secret you used before (or not the same key size). ' +
  'Nothing was opened; check it and try again.';

// adopt makes key the page's master key, forgetting the last one.
async function adopt(key) {
  if (state.masterKey) {
    await state.masterKey.forget();
  }
  state.masterKey = key;
  $('secret').value = '';
  $('secret-again').value = '';
  $('public-key-pem').value = key.publicKeyPem;
  $('fingerprint').textContent = key.fingerprint;
  $('master-unlocked').hidden = false;
}

async function unlock() {
  const secret = $('secret').value;
  const bits = Number($('bits').value);
  if (secret === '') {
    say('master-message', 'error', 'Type your secret first.');
    return;
  }
  if (firstUse()) {
    // The first unlock fixes the key for good: a typo must not.
    const again = $('secret-again').value;
    if (again === '') {
      say('master-message', 'error', 'Type your secret again in "Type it again": this ' +
        'first unlock makes it your master key for good.');
      return;
    }
    if (again !== secret) {
      $('secret-again').value = '';
      say('master-message', 'error', mismatch);
      return;
    }
  }

  const controller = new AbortController();
  state.deriving = controller;
  $('derive-busy').hidden = false;
  $('derive-progress').value = 0;
  $('derive-status').textContent = 'Deriving your master key…';
  say('master-message', '', '');
  setEnabled();
  const started = performance.now();

  let key = null;
  try {
    key = await ownkey.deriveMasterKey(secret, {
      bits,
      signal: controller.signal,
      onProgress: ({ candidates, expected }) => {
        // Candidates tried have no fixed total: this estimate creeps
        // towards the end rather than promising it.
        $('derive-progress').value = 1 - Math.exp(-candidates / expected);
        $('derive-status').textContent = `Searching for primes (${candidates} tried)…`;
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);

    if (state.service) {
      // The service keeps the check: a wrong secret is told before any
      // wrapped key is fetched.
      const outcome = await app.checkMasterKey(key);
      if (!outcome.same) {
        await key.forget();
        key = null;
        say('master-message', 'error', wrongSecret);
        return;
      }
      say('master-message', 'ok', `Unlocked in ${seconds} s: ` + outcome.text);
      await adopt(key);
      key = null;
      await app.unlocked(state.masterKey);
      return;
    }

    const check = storedCheck();
    if (check) {
      const same = await ownkey.verifyChallenge(key.publicKeyPem, check);
      if (!same) {
        await key.forget();
        key = null;
        say('master-message', 'error', wrongSecret);
        return;
      }
      say('master-message', 'ok', `Unlocked in ${seconds} s: this is the secret ` +
        'you used before.');
    } else {
      const challenge = await key.createChallenge();
      localStorage.setItem(CHECK_STORAGE, JSON.stringify({
        publicKeyPem: key.publicKeyPem, value: challenge.value, signature: challenge.signature,
      }));
      say('master-message', 'ok', `Unlocked in ${seconds} s. First use in this browser: ` +
        'a check was stored so that a mistyped secret is caught next time.');
    }

    await adopt(key);
    key = null;
  } catch (err) {
    say('master-message', 'error', state.service ? app.words(err) : humane(err));
    if (key) {
      await key.forget().catch(() => {});
    }
  } finally {
    state.deriving = null;
    $('derive-busy').hidden = true;
    showCheckNote();
    setEnabled();
  }
}

async function lock() {
  if (state.service) {
    await app.locked();
  }
  const keys = [state.masterKey, state.projectKey].filter(Boolean);
  state.masterKey = null;
  state.projectKey = null;
  state.projectKeySource = '';
  showKeyInUse();
  await Promise.all(keys.map((k) => k.forget().catch(() => {})));
  $('master-unlocked').hidden = true;
  $('public-key-pem').value = '';
  $('fingerprint').textContent = '';
  for (const id of ['wrapped-own', 'wrapped-share']) {
    $(id).value = '';
  }
  say('master-message', 'info', 'Locked: your keys were forgotten by this page.');
  say('project-message', '', '');
  say('share-message', '', '');
  setEnabled();
}

function clock() {
  return new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

// showKeyInUse says which project key files are encrypted and decrypted
// under: the format cannot tell a wrong key (docs/FORMAT.md section 11),
// so the page must.
function showKeyInUse() {
  const text = state.projectKey
    ? `Project key in use: ${state.projectKeySource}.`
    : 'No project key in use: create one or open one above.';
  $('project-key-status').textContent = text;
  $('file-key-status').textContent = text;
}

// replaceProjectKey makes projectKey (or none) the current one, forgetting
// the last one in the Worker; source says where it came from.
async function replaceProjectKey(projectKey, source) {
  const old = state.projectKey;
  state.projectKey = projectKey;
  state.projectKeySource = projectKey ? source : '';
  showKeyInUse();
  if (old) {
    await old.forget().catch(() => {});
  }
  $('wrapped-share').value = '';
  setEnabled();
}

async function createProjectKey() {
  try {
    const projectKey = await ownkey.newProjectKey();
    const wrapped = await ownkey.wrapProjectKey(projectKey, state.masterKey.publicKeyPem);
    await replaceProjectKey(projectKey, `a new key, created at ${clock()}`);
    $('wrapped-own').value = wrapped;
    say('project-message', 'ok', 'A new project key is ready. Keep its wrapped copy: ' +
      'it is the only way to open this project\'s files again.');
  } catch (err) {
    say('project-message', 'error', humane(err));
  }
  setEnabled();
}

async function openProjectKey() {
  const wrapped = $('wrapped-input').value.replace(/\s+/g, '');
  if (wrapped === '') {
    say('project-message', 'error', 'Paste a wrapped project key first.');
    return;
  }
  say('project-message', 'info', 'Opening the project key…');
  try {
    const projectKey = await state.masterKey.unwrapProjectKey(wrapped);
    await replaceProjectKey(projectKey,
      `opened at ${clock()} from the wrapped key you pasted`);
    $('wrapped-own').value = '';
    say('project-message', 'ok', 'Project key opened: you can encrypt and decrypt files.');
  } catch (err) {
    // The key that was open must not go on being used as if this one had
    // opened: it is forgotten, and the page says so.
    const hadKey = state.projectKey !== null;
    await replaceProjectKey(null);
    $('wrapped-own').value = '';
    say('project-message', 'error', humane(err) +
      ' Check that it was wrapped to the public key shown above.' +
      (hadKey ? ' The project key that was in use has been closed: create or open ' +
        'one before you encrypt or decrypt.' : ''));
  }
  setEnabled();
}

async function shareProjectKey() {
  const pem = $('share-public-key').value;
  if (pem.trim() === '') {
    say('share-message', 'error', 'Paste their public key (PEM) first.');
    return;
  }
  try {
    $('wrapped-share').value = await ownkey.wrapProjectKey(state.projectKey, pem);
    say('share-message', 'ok', 'Wrapped: only the owner of that public key can open it.');
  } catch (err) {
    $('wrapped-share').value = '';
    say('share-message', 'error', `That public key cannot be used: ${humane(err)}`);
  }
  setEnabled();
}

async function copyField(id, messageId) {
  try {
    await navigator.clipboard.writeText($(id).value);
    say(messageId, 'ok', 'Copied to the clipboard.');
  } catch {
    $(id).select();
    say(messageId, 'info', 'Selected: press Ctrl+C (or ⌘C) to copy.');
  }
}

function outputName(direction, name) {
  if (direction === 'encrypt') {
    return name + '.enc';
  }
  return name.toLowerCase().endsWith('.enc') && name.length > 4
    ? name.slice(0, -4)
    : name + '.decrypted';
}

async function processFile(direction) {
  const input = $(direction === 'encrypt' ? 'encrypt-input' : 'decrypt-input');
  const file = input.files && input.files[0];
  if (!file) {
    say('file-message', 'error', `Choose a file to ${direction} first.`);
    return;
  }

  const controller = new AbortController();
  state.fileWork = controller;
  dropDownload(); // the last file's link must not pass for this one's
  $('file-busy').hidden = false;
  $('file-progress').value = 0;
  $('file-progress-text').textContent = '';
  say('file-message', 'info', `${direction === 'encrypt' ? 'Encrypting' : 'Decrypting'} ` +
    `${file.name}…`);
  setEnabled();

  const work = direction === 'encrypt' ? ownkey.encryptFile : ownkey.decryptFile;
  try {
    const blob = await work(state.projectKey, file, {
      signal: controller.signal,
      onProgress: ({ done, total }) => {
        $('file-progress').value = total ? done / total : 1;
        $('file-progress-text').textContent = `${megabytes(done)} of ${megabytes(total)}`;
      },
    });
    const saved = outputName(direction, file.name);
    offerDownload(blob, saved);
    if (direction === 'encrypt') {
      say('file-message', 'ok', `Encrypted ${file.name} under ${state.projectKeySource}: ` +
        `saved as ${saved}.`);
    } else {
      // The format has no integrity check (docs/FORMAT.md section 11): a
      // wrong key most often fails on the padding, but not always.
      say('file-message', 'warn', `Decrypted ${file.name} under ` +
        `${state.projectKeySource}: saved as ${saved}. ownkey cannot check that this ` +
        `was the right key: if ${saved} is unreadable, the file was encrypted under ` +
        'another project key.');
    }
  } catch (err) {
    const verb = direction === 'encrypt' ? 'encrypt' : 'decrypt';
    say('file-message', 'error', err && err.name === 'AbortError'
      ? `Cancelled: nothing was saved from ${file.name}.`
      : `Could not ${verb} ${file.name}: ${humane(err)}`);
  } finally {
    state.fileWork = null;
    $('file-busy').hidden = true;
    setEnabled();
  }
}

function megabytes(n) {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

function dropDownload() {
  if (state.downloadUrl) {
    URL.revokeObjectURL(state.downloadUrl);
    state.downloadUrl = null;
  }
  $('download-link').hidden = true;
  $('download-link').removeAttribute('href');
}

function offerDownload(blob, name) {
  dropDownload();
  state.downloadUrl = URL.createObjectURL(blob);
  const link = $('download-link');
  link.href = state.downloadUrl;
  link.download = name;
  link.textContent = `Download ${name} again`;
  link.hidden = false;
  link.click();
}

let ownkeyReady = false;

function wire() {
  $('derive').addEventListener('click', unlock);
  $('secret').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || $('derive').disabled) {
      return;
    }
    if (!$('secret-again-row').hidden && $('secret-again').value === '') {
      $('secret-again').focus();
      return;
    }
    unlock();
  });
  $('secret-again').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !$('derive').disabled) {
      unlock();
    }
  });
  for (const id of ['secret', 'secret-again']) {
    const field = $(id);
    field.addEventListener('paste', (event) => refuseLineBreaks(event,
      event.clipboardData ? event.clipboardData.getData('text/plain') : ''));
    field.addEventListener('drop', (event) => refuseLineBreaks(event,
      event.dataTransfer ? event.dataTransfer.getData('text/plain') : ''));
    field.addEventListener('beforeinput', (event) => refuseLineBreaks(event,
      event.data || (event.dataTransfer ? event.dataTransfer.getData('text/plain') : '')));
  }
  $('derive-cancel').addEventListener('click', () => state.deriving && state.deriving.abort());
  $('lock').addEventListener('click', lock);
  $('reset-check').addEventListener('click', () => {
    localStorage.removeItem(CHECK_STORAGE);
    say('master-message', 'info', 'The stored check was forgotten: the next secret you ' +
      'unlock with becomes the one this browser checks.');
    showCheckNote();
  });
  $('copy-public-key').addEventListener('click',
    () => copyField('public-key-pem', 'master-message'));
  $('new-project-key').addEventListener('click', createProjectKey);
  $('open-project-key').addEventListener('click', openProjectKey);
  $('share-project-key').addEventListener('click', shareProjectKey);
  $('copy-wrapped-own').addEventListener('click',
    () => copyField('wrapped-own', 'project-message'));
  $('copy-wrapped-share').addEventListener('click',
    () => copyField('wrapped-share', 'share-message'));
  $('encrypt-button').addEventListener('click', () => processFile('encrypt'));
  $('decrypt-button').addEventListener('click', () => processFile('decrypt'));
  $('file-cancel').addEventListener('click', () => state.fileWork && state.fileWork.abort());
}

// serviceMode switches the page to the service's flows: sign in, then the
// master key checked against the service, projects, secrets and nodes.
function serviceMode() {
  state.service = true;
  $('local-tools').hidden = true;
  $('master').hidden = true;
  app.start({
    onSignedIn: () => {
      $('master').hidden = false;
      showCheckNote();
    },
    onSignedOut: async () => {
      await lock();
      say('master-message', '', '');
      $('master').hidden = true;
    },
    humane,
  });
}

async function start() {
  wire();
  showKeyInUse();
  if (await detect()) {
    serviceMode();
  }
  showCheckNote();
  setEnabled();
  try {
    await ownkey.load();
    ownkeyReady = true;
    $('load-status').hidden = true;
    document.body.dataset.ready = 'true';
  } catch (err) {
    say('load-status', 'error', `The encryption engine could not start: ${humane(err)} ` +
      'Reload the page; if it keeps failing, use a current browser.');
  }
  setEnabled();
}

start();
