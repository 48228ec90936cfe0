// keystone-ng-plugin passkey self-service page. Plain JS, no build step.
// The token lives in this page's memory only: closing the tab signs out.
'use strict';

(function () {
  const state = { token: null, tokenBody: null, receipt: null, pending: null };
  // Keystone may be served under a path prefix (e.g. /identity).
  const BASE = window.location.pathname.replace(/\/v4\/passkeys\/ui\/?$/, '');
  const $ = (sel) => document.querySelector(sel);

  function status(text, isError) {
    const el = $('#status');
    el.textContent = text || '';
    el.className = isError ? 'error' : '';
  }

  // ---- base64url and WebAuthn JSON helpers (for browsers without the
  // PublicKeyCredential JSON helpers). ----
  function b64urlToBuf(s) {
    const pad = '='.repeat((4 - (s.length % 4)) % 4);
    const bin = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  }
  function bufToB64url(buf) {
    let bin = '';
    new Uint8Array(buf).forEach((b) => { bin += String.fromCharCode(b); });
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.user = Object.assign({}, json.user, { id: b64urlToBuf(json.user.id) });
    o.excludeCredentials = (json.excludeCredentials || []).map(
      (c) => Object.assign({}, c, { id: b64urlToBuf(c.id) }));
    return o;
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    const o = Object.assign({}, json);
    o.challenge = b64urlToBuf(json.challenge);
    o.allowCredentials = (json.allowCredentials || []).map(
      (c) => Object.assign({}, c, { id: b64urlToBuf(c.id) }));
    return o;
  }
  function credentialJSON(cred) {
    if (cred.toJSON) { return cred.toJSON(); }
    const r = cred.response;
    const response = { clientDataJSON: bufToB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = bufToB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = bufToB64url(r.authenticatorData);
      response.signature = bufToB64url(r.signature);
      if (r.userHandle) { response.userHandle = bufToB64url(r.userHandle); }
    }
    return { id: cred.id, rawId: bufToB64url(cred.rawId), type: cred.type,
             response: response, clientExtensionResults: {} };
  }

  // ---- HTTP ----
  async function call(method, path, body, headers) {
    const h = Object.assign({ 'Accept': 'application/json' }, headers || {});
    if (body !== undefined) { h['Content-Type'] = 'application/json'; }
    if (state.token && !h['X-Auth-Token']) { h['X-Auth-Token'] = state.token; }
    const resp = await fetch(BASE + path, {
      method: method, headers: h, credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
    return { status: resp.status, headers: resp.headers, data: data };
  }
  function errorText(r) {
    const e = r.data && r.data.error;
    return e ? e.code + ' ' + e.title + ': ' + e.message : 'HTTP ' + r.status;
  }

  function scopeFrom(form) {
    const project = form.project.value.trim();
    if (!project) { return undefined; }
    return { project: { name: project, domain: { name: form.domain.value.trim() || 'Default' } } };
  }

  // ---- signed-in view ----
  function showToken(r) {
    state.token = r.headers.get('X-Subject-Token');
    state.tokenBody = r.data.token;
    state.receipt = null;
    const t = state.tokenBody;
    $('#token-user').textContent = t.user.name + ' (' + t.user.id + ') in domain ' + t.user.domain.name;
    let scope = 'unscoped';
    if (t.project) { scope = 'project ' + t.project.name + ' (' + t.project.id + ')'; }
    else if (t.domain) { scope = 'domain ' + t.domain.name; }
    else if (t.system) { scope = 'system'; }
    $('#token-scope').textContent = scope;
    $('#token-methods').textContent = t.methods.join(', ');
    $('#token-expires').textContent = t.expires_at;
    $('#signin').hidden = true;
    $('#session').hidden = false;
    status('Signed in.');
    return refreshPasskeys();
  }

  function signOut() {
    state.token = null;
    state.tokenBody = null;
    $('#session').hidden = true;
    $('#signin').hidden = false;
    status('Signed out.');
  }

  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  async function refreshPasskeys() {
    const uid = state.tokenBody.user.id;
    const r = await call('GET', '/v4/users/' + encodeURIComponent(uid) + '/passkeys');
    const body = $('#passkeys tbody');
    body.textContent = '';
    if (r.status !== 200) { status(errorText(r), true); return; }
    r.data.passkeys.forEach((p) => {
      const row = document.createElement('tr');
      row.dataset.passkeyId = p.id;
      cell(row, p.description || '(unnamed)');
      cell(row, p.created_at.slice(0, 19).replace('T', ' '));
      cell(row, p.last_used_at ? p.last_used_at.slice(0, 19).replace('T', ' ') : 'never');
      const actions = cell(row, '');
      const rename = document.createElement('button');
      rename.type = 'button'; rename.className = 'secondary rename'; rename.textContent = 'Rename';
      rename.addEventListener('click', () => renamePasskey(p));
      const del = document.createElement('button');
      del.type = 'button'; del.className = 'secondary delete'; del.textContent = 'Delete';
      del.addEventListener('click', () => deletePasskey(p));
      actions.appendChild(rename);
      actions.appendChild(del);
      body.appendChild(row);
    });
  }

  async function renamePasskey(p) {
    const name = window.prompt('New name for this passkey', p.description || '');
    if (name === null) { return; }
    const uid = state.tokenBody.user.id;
    const r = await call('PATCH', '/v4/users/' + encodeURIComponent(uid) + '/passkeys/' + p.id,
                         { passkey: { description: name } });
    if (r.status !== 200) { status(errorText(r), true); return; }
    status('Passkey renamed.');
    await refreshPasskeys();
  }

  async function deletePasskey(p) {
    if (!window.confirm('Delete passkey "' + (p.description || p.id) + '"?')) { return; }
    const uid = state.tokenBody.user.id;
    const r = await call('DELETE', '/v4/users/' + encodeURIComponent(uid) + '/passkeys/' + p.id);
    if (r.status !== 204) { status(errorText(r), true); return; }
    status('Passkey deleted.');
    await refreshPasskeys();
  }

  async function registerPasskey(ev) {
    ev.preventDefault();
    const description = ev.target.description.value.trim() || null;
    const uid = state.tokenBody.user.id;
    const base = '/v4/users/' + encodeURIComponent(uid) + '/passkeys';
    const start = await call('POST', base + '/register_start', { passkey: { description: description } });
    if (start.status !== 201) { status(errorText(start), true); return; }
    let cred;
    try {
      cred = await navigator.credentials.create({ publicKey: creationOptions(start.data.public_key) });
    } catch (e) { status('The authenticator did not create a passkey: ' + e.name, true); return; }
    const body = Object.assign(credentialJSON(cred), { description: description });
    const fin = await call('POST', base + '/register_finish', body);
    if (fin.status !== 201) { status(errorText(fin), true); return; }
    ev.target.reset();
    status('Passkey added.');
    await refreshPasskeys();
  }

  // ---- sign in ----
  async function getAssertion(options) {
    const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
    return credentialJSON(cred);
  }

  async function passkeyLogin(ev) {
    ev.preventDefault();
    const form = ev.target;
    const start = { passkey: {} };
    const name = form.username.value.trim();
    if (name) { start.passkey.user = { name: name, domain: { name: form.domain.value.trim() || 'Default' } }; }
    const scope = scopeFrom(form);
    if (scope) { start.passkey.scope = scope; }
    const r = await call('POST', '/v4/auth/passkey/start', start);
    if (r.status !== 201) { status(errorText(r), true); return; }
    let assertion;
    try { assertion = await getAssertion(r.data.public_key); }
    catch (e) { status('No passkey was used: ' + e.name, true); return; }
    const fin = await call('POST', '/v4/auth/passkey/finish?nocatalog', assertion);
    if (fin.status === 201) { await showToken(fin); return; }
    if (fin.status === 401 && fin.headers.get('Openstack-Auth-Receipt')) {
      return secondFactor(fin, { scope: scope });
    }
    status('Sign-in failed: ' + errorText(fin), true);
  }

  async function passwordLogin(ev) {
    ev.preventDefault();
    const form = ev.target;
    const auth = { identity: { methods: ['password'], password: { user: {
      name: form.username.value.trim(), password: form.password.value,
      domain: { name: form.domain.value.trim() || 'Default' } } } } };
    const scope = scopeFrom(form);
    if (scope) { auth.scope = scope; }
    const r = await call('POST', '/v3/auth/tokens?nocatalog', { auth: auth });
    form.password.value = '';
    if (r.status === 201) { await showToken(r); return; }
    if (r.status === 401 && r.headers.get('Openstack-Auth-Receipt')) {
      return secondFactor(r, { scope: scope });
    }
    status('Sign-in failed: ' + errorText(r), true);
  }

  // The first factor succeeded but the user's MFA rules ask for more.
  async function secondFactor(r, ctx) {
    state.receipt = r.headers.get('Openstack-Auth-Receipt');
    const done = r.data.receipt.methods;
    const user = r.data.receipt.user;
    const rules = r.data.required_auth_methods || [];
    const next = rules.map((rule) => rule.filter((m) => done.indexOf(m) < 0))
      .filter((missing) => missing.length === 1)
      .map((missing) => missing[0]);
    if (next.indexOf('passkey') >= 0) { return passkeyFactor(user, ctx); }
    if (next.indexOf('totp') >= 0) {
      state.pending = { user: user, ctx: ctx };
      $('#totp-form').hidden = false;
      status('Enter the code from your authenticator app.');
      return;
    }
    status('Your account needs another factor: ' + JSON.stringify(rules), true);
  }

  async function withReceipt(identity, ctx) {
    const auth = { identity: identity };
    if (ctx.scope) { auth.scope = ctx.scope; }
    return call('POST', '/v3/auth/tokens?nocatalog', { auth: auth },
                { 'Openstack-Auth-Receipt': state.receipt });
  }

  async function passkeyFactor(user, ctx) {
    status('Now confirm with your passkey.');
    const ask = await withReceipt({ methods: ['passkey'], passkey: { user: { id: user.id } } }, ctx);
    const ident = ask.data && ask.data.error && ask.data.error.identity;
    if (ask.status !== 401 || !ident || !ident.passkey) { status(errorText(ask), true); return; }
    let assertion;
    try { assertion = await getAssertion(ident.passkey.public_key); }
    catch (e) { status('No passkey was used: ' + e.name, true); return; }
    const fin = await withReceipt({ methods: ['passkey'],
                                    passkey: { user: { id: user.id }, credential: assertion } }, ctx);
    if (fin.status === 201) { await showToken(fin); return; }
    status('Sign-in failed: ' + errorText(fin), true);
  }

  async function totpFactor(ev) {
    ev.preventDefault();
    const p = state.pending;
    const fin = await withReceipt({ methods: ['totp'], totp: { user: {
      id: p.user.id, passcode: ev.target.passcode.value.trim() } } }, p.ctx);
    ev.target.reset();
    if (fin.status === 201) { $('#totp-form').hidden = true; await showToken(fin); return; }
    status('Sign-in failed: ' + errorText(fin), true);
  }

  document.addEventListener('DOMContentLoaded', () => {
    if (!window.PublicKeyCredential) {
      status('This browser does not support passkeys (WebAuthn).', true);
    }
    $('#passkey-login').addEventListener('submit', passkeyLogin);
    $('#password-login').addEventListener('submit', passwordLogin);
    $('#totp-form').addEventListener('submit', totpFactor);
    $('#register').addEventListener('submit', registerPasskey);
    $('#signout').addEventListener('click', signOut);
  });
}());
