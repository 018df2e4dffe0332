// app.js is the page's part that works with ownkey's service: the account,
// the master key's check kept by the service, encrypted projects and their
// files, members, secrets, nodes, and the audit panel. Keys stay in the
// Worker (ownkey.js); what goes to the service is public keys, signatures,
// wrapped keys, sealed fields, ciphertext and names. Nothing is logged.

import * as ownkey from './ownkey.js';
import * as audit from './audit.js';
import { Client, ServiceError } from './service.js';

const SESSION = 'ownkey.session';

// USER_TOKEN is the shape of a user's API token (docs/API.md): "oku_" and
// 32 bytes in unpadded base64url.
const USER_TOKEN = /^oku_[A-Za-z0-9_-]{43}$/;

const $ = (id) => document.getElementById(id);

const state = {
  hooks: null,
  client: null,
  username: '',
  hasMasterKey: false,
  masterKey: null, // the page's MasterKey, while unlocked
  projects: [],
  project: null, // {id, name, owner, role, members, projectKey}
  files: [],
  secrets: [],
  nodes: [],
  preview: null, // {id, name, fields: sealed base64 by name}
  uploading: null, // AbortController
  downloading: null, // AbortController
};

function say(id, kind, text) {
  const el = $(id);
  el.className = 'message' + (kind ? ' ' + kind : '');
  el.textContent = text;
}

// words turns an error from the service or from ownkey into a sentence a
// person can act on.
export function words(err) {
  if (err instanceof ServiceError) {
    // The service quotes the key parser's reason with its package prefix.
    let text = err.message.replace(/\b(?:keys|aescbc|service): /g, '');
    text = text.charAt(0).toUpperCase() + text.slice(1);
    text = /[.!?]$/.test(text) ? text : text + '.';
    if (err.status === 401 && state.client) {
      return `${text} Sign out and sign in again with your token.`;
    }
    return text;
  }
  return state.hooks.humane(err);
}

function bytes(n) {
  if (n < 1024) {
    return `${n} B`;
  }
  if (n < 1 << 20) {
    return `${(n / 1024).toFixed(1)} KiB`;
  }
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  row.appendChild(td);
  return td;
}

function button(row, label, data, onClick) {
  const td = document.createElement('td');
  const b = document.createElement('button');
  b.className = 'secondary';
  b.textContent = label;
  for (const [name, value] of Object.entries(data)) {
    b.dataset[name] = value;
  }
  b.addEventListener('click', onClick);
  td.appendChild(b);
  row.appendChild(td);
}

function fill(tableId, items, emptyText, render) {
  const body = $(tableId).querySelector('tbody');
  body.replaceChildren();
  if (items.length === 0) {
    const row = body.insertRow();
    const td = cell(row, emptyText, 'empty');
    td.colSpan = $(tableId).querySelectorAll('th').length;
    return;
  }
  for (const item of items) {
    render(body.insertRow(), item);
  }
}

// ---- account ----

function saveSession(username, token, remember) {
  const value = JSON.stringify({ username, token });
  sessionStorage.removeItem(SESSION);
  localStorage.removeItem(SESSION);
  (remember ? localStorage : sessionStorage).setItem(SESSION, value);
}

function loadSession() {
  const raw = sessionStorage.getItem(SESSION) || localStorage.getItem(SESSION);
  if (!raw) {
    return null;
  }
  try {
    const session = JSON.parse(raw);
    if (typeof session.username === 'string' && typeof session.token === 'string') {
      return session;
    }
  } catch {
    // a damaged entry is dropped below
  }
  sessionStorage.removeItem(SESSION);
  localStorage.removeItem(SESSION);
  return null;
}

async function signUp() {
  const username = $('signup-username').value.trim();
  if (username === '') {
    say('account-message', 'error', 'Choose a username first.');
    return;
  }
  say('account-message', 'info', 'Signing up…');
  try {
    const answer = await new Client().call('POST', '/signup', { username });
    saveSession(answer.username, answer.token, $('remember').checked);
    $('token-value').textContent = answer.token;
    $('token-once').hidden = false;
    await signedIn(answer.username, answer.token);
    const kept = $('remember').checked
      ? 'this browser keeps it until you sign out'
      : 'this tab keeps it only until it closes';
    say('account-message', 'ok', `Welcome, ${answer.username}. Save the token above (${kept}), ` +
      'then unlock your master key.');
  } catch (err) {
    say('account-message', 'error', words(err));
  }
}

async function signIn() {
  const username = $('signin-username').value.trim();
  const token = $('signin-token').value.trim();
  if (username === '' || token === '') {
    say('account-message', 'error', 'Type your username and your API token.');
    return;
  }
  // Only something shaped like a token is sent: a secret pasted here by
  // mistake stays in this page.
  if (!USER_TOKEN.test(token)) {
    $('signin-token').value = '';
    say('account-message', 'error', 'That is not an API token: they start with "oku_" ' +
      'and are 47 characters long. Nothing was sent; paste the token you were given.');
    return;
  }
  say('account-message', 'info', 'Signing in…');
  try {
    await signedIn(username, token);
    saveSession(username, token, $('remember').checked);
    $('signin-token').value = '';
    say('account-message', 'ok', `Signed in as ${username}. Unlock your master key to open ` +
      'your projects.');
  } catch (err) {
    state.client = null;
    say('account-message', 'error', words(err));
  }
}

// signedIn checks the token with the service and shows the signed-in view.
async function signedIn(username, token) {
  const client = new Client(token);
  const me = await client.call('GET', '/me');
  if (me.username !== username) {
    throw new ServiceError(401, `This token belongs to "${me.username}", not "${username}".`);
  }
  state.client = client;
  state.username = me.username;
  state.hasMasterKey = me.hasMasterKey;
  $('whoami').textContent = me.username;
  $('signed-out').hidden = true;
  $('signed-in').hidden = false;
  state.hooks.onSignedIn();
}

async function signOut() {
  sessionStorage.removeItem(SESSION);
  localStorage.removeItem(SESSION);
  state.client = null;
  state.username = '';
  $('token-once').hidden = true;
  $('token-value').textContent = '';
  $('signed-in').hidden = true;
  $('signed-out').hidden = false;
  await state.hooks.onSignedOut();
  say('account-message', 'ok', 'Signed out: this browser no longer holds your token.');
}

// checkNote says what the next unlock does with the service.
export function checkNote() {
  if (!state.client) {
    return '';
  }
  return state.hasMasterKey
    ? 'Your master key is registered with the service: unlocking checks your secret ' +
      'against its signed proof before anything is opened.'
    : 'No master key is registered for this account yet: the first unlock registers ' +
      'its public key and a signed proof (never your secret or the private key). ' +
      'That key is the account\'s for good, so type your secret twice.';
}

// firstUnlock is true when the account has no master key yet: the next
// unlock registers one for good, so the page asks for the secret twice.
export function firstUnlock() {
  return state.client !== null && !state.hasMasterKey;
}

// checkMasterKey checks a freshly derived key against the service: the
// stored proof must verify with it. On first use it registers the key.
// It resolves to {same, text}.
export async function checkMasterKey(key) {
  if (state.hasMasterKey) {
    const proof = await state.client.call('GET', '/me/master-key');
    // The stored signature must verify with the key just derived: only the
    // secret used the first time gives that key.
    const same = await ownkey.verifyChallenge(key.publicKeyPem,
      { value: proof.value, signature: proof.signature });
    return { same, text: 'this is the secret you used before.' };
  }
  const challenge = await key.createChallenge();
  await state.client.call('PUT', '/me/master-key', {
    publicKey: key.publicKeyPem, value: challenge.value, signature: challenge.signature,
  });
  state.hasMasterKey = true;
  return { same: true, text: 'your master key is registered with the service. Next ' +
    'time, a mistyped secret is caught before anything is opened.' };
}

// unlocked shows the projects, secrets and nodes of the signed-in user.
export async function unlocked(masterKey) {
  state.masterKey = masterKey;
  $('app').hidden = false;
  await Promise.all([loadProjects(), loadSecrets(), loadNodes()]);
}

// locked forgets the open project's key and hides everything it opened.
export async function locked() {
  state.masterKey = null;
  if (state.uploading) {
    state.uploading.abort();
  }
  if (state.downloading) {
    state.downloading.abort();
  }
  await closeProject();
  closePreview();
  // Nothing typed or shown once outlives the lock.
  for (const id of ['secret-fields', 'node-public-key']) {
    $(id).value = '';
  }
  $('node-token-value').textContent = '';
  $('node-token-once').hidden = true;
  $('app').hidden = true;
}

// ---- projects ----

async function loadProjects() {
  try {
    const answer = await state.client.call('GET', '/projects');
    state.projects = answer.projects;
    fill('project-list', state.projects, 'No projects yet.', (row, p) => {
      row.dataset.project = p.name;
      cell(row, p.name);
      cell(row, p.owner);
      cell(row, p.role);
      button(row, 'Open', { openProject: p.name }, () => openProject(p.id));
    });
  } catch (err) {
    say('projects-message', 'error', `Could not list your projects: ${words(err)}`);
  }
}

async function createProject() {
  const name = $('project-name').value.trim();
  if (name === '') {
    say('projects-message', 'error', 'Name the project first.');
    return;
  }
  say('projects-message', 'info', 'Creating the project key and wrapping it to your master key…');
  let projectKey = null;
  try {
    projectKey = await ownkey.newProjectKey();
    const wrappedKey = await ownkey.wrapProjectKey(projectKey, state.masterKey.publicKeyPem);
    const project = await state.client.call('POST', '/projects', { name, wrappedKey });
    await closeProject();
    state.project = { ...project, members: [], projectKey };
    projectKey = null;
    $('project-name').value = '';
    await loadProjects();
    await showProject();
    say('projects-message', 'ok', `Created the encrypted project ${name}.`);
  } catch (err) {
    say('projects-message', 'error', `Could not create the project: ${words(err)}`);
  } finally {
    if (projectKey) {
      await projectKey.forget().catch(() => {});
    }
  }
}

async function openProject(id) {
  say('projects-message', 'info', 'Opening the project…');
  try {
    const project = await state.client.call('GET', `/projects/${id}`);
    const projectKey = await state.masterKey.unwrapProjectKey(project.wrappedKey);
    await closeProject();
    state.project = { ...project, members: project.members || [], projectKey };
    await showProject();
    say('projects-message', 'ok', `Opened ${project.name}: its key is unwrapped in this page.`);
  } catch (err) {
    say('projects-message', 'error', `Could not open the project: ${words(err)}`);
  }
}

async function closeProject() {
  const project = state.project;
  state.project = null;
  $('project-view').hidden = true;
  if (project && project.projectKey) {
    await project.projectKey.forget().catch(() => {});
  }
  for (const id of ['files-message', 'members-message', 'project-nodes-message']) {
    say(id, '', '');
  }
}

async function showProject() {
  const p = state.project;
  $('project-title').textContent = p.name;
  $('project-subtitle').textContent = p.role === 'owner'
    ? 'You own this project.'
    : `Shared with you by ${p.owner}.`;
  $('project-view').hidden = false;
  $('add-member-row').hidden = p.role !== 'owner';
  showMembers();
  renderNodeSelects();
  await loadFiles();
}

function showMembers() {
  const p = state.project;
  const names = p.members.map((m) => m.username);
  $('members-line').textContent = p.role !== 'owner'
    ? `Owner: ${p.owner}. Only the owner adds members.`
    : names.length === 0
      ? 'Only you so far. A teammate must have unlocked ownkey once before you can add them.'
      : `You and ${names.join(', ')}.`;
}

async function addMember() {
  const username = $('member-username').value.trim();
  if (username === '') {
    say('members-message', 'error', 'Type your teammate\'s username first.');
    return;
  }
  const p = state.project;
  say('members-message', 'info', `Wrapping the project key to ${username}'s public key…`);
  try {
    const teammate = await state.client.call('GET',
      `/users/${encodeURIComponent(username)}/public-key`);
    const wrappedKey = await ownkey.wrapProjectKey(p.projectKey, teammate.publicKey);
    await state.client.call('POST', `/projects/${p.id}/members`, { username, wrappedKey });
    const fresh = await state.client.call('GET', `/projects/${p.id}`);
    p.members = fresh.members || [];
    showMembers();
    $('member-username').value = '';
    say('members-message', 'ok', `${username} can now open ${p.name} and its files.`);
  } catch (err) {
    say('members-message', 'error', `Could not add ${username}: ${words(err)}`);
  }
}

// ---- files ----

async function loadFiles() {
  const p = state.project;
  try {
    const answer = await state.client.call('GET', `/projects/${p.id}/files`);
    if (state.project !== p) {
      return;
    }
    state.files = answer.files;
    fill('file-list', state.files, 'No files yet.', (row, f) => {
      row.dataset.file = f.name;
      cell(row, f.name);
      cell(row, bytes(f.size), 'num');
      cell(row, f.uploadedBy);
      button(row, 'Download', { download: f.name }, () => downloadFile(f));
    });
  } catch (err) {
    say('files-message', 'error', `Could not list the files: ${words(err)}`);
  }
}

function busy(id, on, text) {
  $(id + '-busy').hidden = !on;
  if (on) {
    $(id + '-progress').value = 0;
    $(id + '-status').textContent = text || '';
  }
  $('upload-button').disabled = state.uploading !== null || state.downloading !== null;
}

function progress(id, done, total, verb) {
  $(id + '-progress').value = total ? done / total : 0;
  $(id + '-status').textContent = `${verb} ${bytes(done)} of ${bytes(total)}`;
}

async function uploadFile() {
  const file = $('upload-input').files && $('upload-input').files[0];
  if (!file) {
    say('files-message', 'error', 'Choose a file to upload first.');
    return;
  }
  const p = state.project;
  const controller = new AbortController();
  state.uploading = controller;
  busy('upload', true, 'Encrypting…');
  say('files-message', 'info', `Encrypting ${file.name} in this page…`);
  try {
    // The service needs the length first (no chunked bodies), so the
    // ciphertext is gathered into a Blob before it is sent.
    const encrypted = await ownkey.encryptFile(p.projectKey, file, {
      signal: controller.signal,
      onProgress: ({ done }) => progress('upload', done, file.size, 'Encrypted'),
    });
    say('files-message', 'info', `Uploading ${file.name} (encrypted)…`);
    await state.client.upload(`/projects/${p.id}/files?name=${encodeURIComponent(file.name)}`,
      encrypted, {
        signal: controller.signal,
        onProgress: (done, total) => progress('upload', done, total, 'Uploaded'),
      });
    $('upload-input').value = '';
    await loadFiles();
    say('files-message', 'ok', `Uploaded ${file.name}: the service holds only its ciphertext.`);
  } catch (err) {
    say('files-message', 'error', err && err.name === 'AbortError'
      ? `Cancelled: ${file.name} was not stored.`
      : `Could not upload ${file.name}: ${words(err)}`);
  } finally {
    state.uploading = null;
    busy('upload', false);
  }
}

async function downloadFile(f) {
  const p = state.project;
  if (state.downloading) {
    say('files-message', 'error', 'A download is already running; wait for it to finish.');
    return;
  }
  const controller = new AbortController();
  state.downloading = controller;
  busy('upload', true, 'Downloading…');
  say('files-message', 'info', `Downloading and decrypting ${f.name}…`);
  try {
    const body = await state.client.download(`/projects/${p.id}/files/${f.id}`,
      { signal: controller.signal });
    const plain = await ownkey.decryptFile(p.projectKey, body, {
      output: 'stream',
      signal: controller.signal,
      onProgress: ({ done }) => progress('upload', done, f.size, 'Decrypted'),
    });
    const saved = await save(plain, f.name);
    say('files-message', 'ok', `Downloaded and decrypted ${f.name} (${bytes(saved)}).`);
  } catch (err) {
    say('files-message', 'error', err && err.name === 'AbortError'
      ? `Cancelled: ${f.name} was not saved.`
      : `Could not download ${f.name}: ${words(err)}`);
  } finally {
    state.downloading = null;
    busy('upload', false);
  }
}

// save writes a decrypted stream to the user's downloads: streamed through
// ownkey's saveFile where the browser allows it, else from a Blob. The file
// picker is not used: the decryption has already begun, and the picker
// needs a fresh click.
async function save(stream, name) {
  if (typeof ownkey.saveFile === 'function') {
    const usual = typeof ownkey.saveMethod === 'function' ? ownkey.saveMethod() : 'blob';
    const method = usual === 'blob' ? 'blob' : 'download';
    const result = await ownkey.saveFile(stream, name, { method });
    return result.bytes;
  }
  const blob = await new Response(stream).blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return blob.size;
}

// ---- secrets ----

async function loadSecrets() {
  try {
    const answer = await state.client.call('GET', '/secrets');
    state.secrets = answer.secrets;
    fill('secret-list', state.secrets, 'No secrets yet.', (row, s) => {
      row.dataset.secret = s.name;
      cell(row, s.name);
      cell(row, s.type);
      cell(row, s.fieldNames.join(', '));
      button(row, 'Open', { openSecret: s.name }, () => openSecret(s.id));
    });
  } catch (err) {
    say('secrets-message', 'error', `Could not list your secrets: ${words(err)}`);
  }
}

// parseFields reads "name=value" lines; the value is everything after the
// first "=", exactly as typed.
function parseFields(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) {
      throw new Error('Write each field as name=value on its own line.');
    }
    const name = line.slice(0, at).trim();
    if (name in fields) {
      throw new Error(`The field "${name}" is there twice.`);
    }
    fields[name] = line.slice(at + 1).replace(/\r$/, '');
  }
  if (Object.keys(fields).length === 0) {
    throw new Error('Add at least one field, as name=value.');
  }
  return fields;
}

async function createSecret() {
  const name = $('secret-name').value.trim();
  const type = $('secret-type').value.trim();
  if (name === '' || type === '') {
    say('secrets-message', 'error', 'Give the secret a name and a type first.');
    return;
  }
  say('secrets-message', 'info', 'Sealing the fields to your master key…');
  try {
    const fields = parseFields($('secret-fields').value);
    const sealed = {};
    for (const [field, text] of Object.entries(fields)) {
      try {
        sealed[field] = await ownkey.sealSecret(state.masterKey.publicKeyPem, text);
      } catch (err) {
        throw new Error(`the field "${field}" cannot be sealed: ${state.hooks.humane(err)}`);
      }
    }
    await state.client.call('POST', '/secrets', { name, type, fields: sealed });
    $('secret-fields').value = '';
    $('secret-name').value = '';
    $('secret-type').value = '';
    await loadSecrets();
    say('secrets-message', 'ok', `Stored the secret ${name}: only your master key opens it.`);
  } catch (err) {
    say('secrets-message', 'error', `Could not store the secret: ${words(err)}`);
  }
}

async function openSecret(id) {
  say('secrets-message', 'info', 'Opening the secret…');
  try {
    const secret = await state.client.call('GET', `/secrets/${id}`);
    const list = $('secret-preview-fields');
    list.replaceChildren();
    for (const name of secret.fieldNames) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = await state.masterKey.openSecret(secret.fields[name]);
      dd.dataset.field = name;
      list.append(dt, dd);
    }
    state.preview = { id: secret.id, name: secret.name, fields: secret.fields };
    $('secret-preview-name').textContent = secret.name;
    $('secret-preview').hidden = false;
    say('secrets-message', 'ok', `Opened ${secret.name} in this page.`);
  } catch (err) {
    closePreview();
    say('secrets-message', 'error', `Could not open the secret: ${words(err)}`);
  }
}

function closePreview() {
  state.preview = null;
  $('secret-preview-fields').replaceChildren();
  $('secret-preview-name').textContent = '';
  $('secret-preview').hidden = true;
}

async function authorizeSecret() {
  const nodeId = $('secret-node-select').value;
  const secret = state.preview;
  if (!nodeId || !secret) {
    say('secrets-message', 'error', 'Register a node first (section 4).');
    return;
  }
  say('secrets-message', 'info', 'Sealing each field again to the node\'s key…');
  try {
    const node = await state.client.call('GET', `/nodes/${nodeId}`);
    const fields = {};
    for (const [name, sealed] of Object.entries(secret.fields)) {
      const text = await state.masterKey.openSecret(sealed);
      fields[name] = await ownkey.sealSecret(node.publicKey, text);
    }
    await state.client.call('POST', `/nodes/${nodeId}/secrets`,
      { secretId: secret.id, fields });
    say('secrets-message', 'ok', `The node ${node.name} can now open ${secret.name}.`);
  } catch (err) {
    say('secrets-message', 'error', `Could not give the secret to the node: ${words(err)}`);
  }
}

// ---- nodes ----

async function loadNodes() {
  try {
    const answer = await state.client.call('GET', '/nodes');
    state.nodes = answer.nodes;
    fill('node-list', state.nodes, 'No nodes yet.', (row, n) => {
      row.dataset.node = n.name;
      cell(row, n.name);
      cell(row, n.created.replace('T', ' ').replace('Z', ' UTC'));
    });
    renderNodeSelects();
  } catch (err) {
    say('nodes-message', 'error', `Could not list your nodes: ${words(err)}`);
  }
}

function renderNodeSelects() {
  for (const id of ['project-node-select', 'secret-node-select']) {
    const select = $(id);
    select.replaceChildren();
    if (state.nodes.length === 0) {
      select.add(new Option('No nodes registered', ''));
    }
    for (const n of state.nodes) {
      select.add(new Option(n.name, n.id));
    }
  }
  $('project-nodes-line').textContent = state.nodes.length === 0
    ? 'Register a node (section 4) to give it this project\'s key.'
    : 'The project key is wrapped again, in this page, to the node\'s public key.';
}

// PRIVATE_BLOCK spots a pasted private key, so that the field holding it
// is emptied at once.
const PRIVATE_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

async function registerNode() {
  const name = $('node-name').value.trim();
  const pasted = $('node-public-key').value;
  if (name === '' || pasted.trim() === '') {
    say('nodes-message', 'error', 'Give the node a name and paste its public key first.');
    return;
  }

  // The pasted text is read in the Worker first, and only the key it holds,
  // written out again, is sent: a private key or anything else pasted by
  // mistake never leaves this page.
  let parsed;
  try {
    parsed = await ownkey.parsePublicKey(pasted);
  } catch (err) {
    const privateKey = PRIVATE_BLOCK.test(pasted);
    if (privateKey) {
      $('node-public-key').value = '';
    }
    say('nodes-message', 'error', `That is not a node's public key: ${words(err)} ` +
      (privateKey ? 'A private key must stay on its node: it was cleared from this page ' +
        'and nothing was sent. ' : 'Nothing was sent. ') +
      'Paste the RSA PUBLIC KEY block that `ownkey derive` prints on the node.');
    return;
  }

  say('nodes-message', 'info', 'Registering the node…');
  try {
    const node = await state.client.call('POST', '/nodes',
      { name, publicKey: parsed.publicKeyPem });
    $('node-token-value').textContent = node.token;
    $('node-token-once').hidden = false;
    $('node-name').value = '';
    $('node-public-key').value = '';
    await loadNodes();
    say('nodes-message', 'ok', `Registered ${node.name} (key fingerprint ` +
      `${parsed.fingerprint.slice(0, 16)}…). Copy its token now.`);
  } catch (err) {
    say('nodes-message', 'error', `Could not register the node: ${words(err)}`);
  }
}

async function authorizeProject() {
  const nodeId = $('project-node-select').value;
  const p = state.project;
  if (!nodeId) {
    say('project-nodes-message', 'error', 'Register a node first (section 4).');
    return;
  }
  say('project-nodes-message', 'info', 'Wrapping the project key to the node\'s key…');
  try {
    const node = await state.client.call('GET', `/nodes/${nodeId}`);
    const wrappedKey = await ownkey.wrapProjectKey(p.projectKey, node.publicKey);
    await state.client.call('POST', `/nodes/${nodeId}/projects`,
      { projectId: p.id, wrappedKey });
    say('project-nodes-message', 'ok',
      `The node ${node.name} can now open the files of ${p.name}.`);
  } catch (err) {
    say('project-nodes-message', 'error', `Could not give the project to the node: ` +
      words(err));
  }
}

// ---- audit ----

function kindChips(td, kinds) {
  for (const kind of kinds) {
    const chip = document.createElement('span');
    chip.className = 'kind ' + kind.replace(/ /g, '-');
    chip.textContent = kind;
    td.appendChild(chip);
  }
}

function renderAudit(entry) {
  const body = $('audit-table').querySelector('tbody');
  if (entry === null) {
    body.replaceChildren();
    return;
  }
  const row = body.insertRow();
  row.dataset.method = entry.method;
  row.dataset.path = entry.path;
  row.dataset.status = String(entry.status);
  cell(row, String(body.rows.length), 'num');
  cell(row, `${entry.method} ${entry.path}`);
  cell(row, entry.status === 0 ? 'no answer' : String(entry.status),
    entry.status === 0 || entry.status >= 400 ? 'status-bad' : '');
  const sent = cell(row, bytes(entry.sent) + ' ', 'size');
  kindChips(sent, entry.sentKinds);
  const received = cell(row, bytes(entry.received) + ' ', 'size');
  kindChips(received, entry.receivedKinds);
}

// ---- start ----

// start shows the account section and the audit panel, wires the buttons,
// and signs in again with a token kept from earlier.
export async function start(hooks) {
  state.hooks = hooks;
  $('account').hidden = false;
  $('audit').hidden = false;
  for (const entry of audit.list()) {
    renderAudit(entry);
  }
  audit.onRecord(renderAudit);

  $('signup').addEventListener('click', signUp);
  $('signin').addEventListener('click', signIn);
  $('signout').addEventListener('click', signOut);
  $('token-done').addEventListener('click', () => {
    $('token-once').hidden = true;
    $('token-value').textContent = '';
    say('account-message', '', '');
  });
  $('create-project').addEventListener('click', createProject);
  $('upload-button').addEventListener('click', uploadFile);
  $('upload-cancel').addEventListener('click', () => {
    for (const c of [state.uploading, state.downloading]) {
      if (c) {
        c.abort();
      }
    }
  });
  $('add-member').addEventListener('click', addMember);
  $('authorize-project').addEventListener('click', authorizeProject);
  $('create-secret').addEventListener('click', createSecret);
  $('authorize-secret').addEventListener('click', authorizeSecret);
  $('secret-close').addEventListener('click', closePreview);
  $('register-node').addEventListener('click', registerNode);
  $('node-token-done').addEventListener('click', () => {
    $('node-token-once').hidden = true;
    $('node-token-value').textContent = '';
  });

  const session = loadSession();
  if (session) {
    try {
      await signedIn(session.username, session.token);
      say('account-message', 'ok', `Signed in again as ${session.username}.`);
    } catch (err) {
      say('account-message', 'error', `Your saved sign-in no longer works: ${words(err)}`);
    }
  }
}
