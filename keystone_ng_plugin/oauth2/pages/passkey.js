// The OpenID provider's sign-in pages: a passkey (WebAuthn), the only
// script of the pages. Without it (or without WebAuthn) the password form
// still works. The options and the assertion go as JSON with the pending
// request's handle and CSRF token; on success the page posts its
// "continue" form (consent, or back to the application).
'use strict';

(function () {
  function b64urlToBytes(value) {
    const padded = value.replace(/-/g, '+').replace(/_/g, '/') +
      '==='.slice((value.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function bytesToB64url(buffer) {
    let text = '';
    new Uint8Array(buffer).forEach((b) => { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_')
      .replace(/=+$/, '');
  }

  function requestOptions(json) {
    const options = Object.assign({}, json);
    options.challenge = b64urlToBytes(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(
      (c) => Object.assign({}, c, {id: b64urlToBytes(c.id)}));
    return options;
  }

  function assertionJSON(credential) {
    const r = credential.response;
    const response = {
      clientDataJSON: bytesToB64url(r.clientDataJSON),
      authenticatorData: bytesToB64url(r.authenticatorData),
      signature: bytesToB64url(r.signature),
    };
    if (r.userHandle) {
      response.userHandle = bytesToB64url(r.userHandle);
    }
    return {id: credential.id, rawId: bytesToB64url(credential.rawId),
            type: credential.type, response: response,
            clientExtensionResults: {}};
  }

  async function post(url, body) {
    const answer = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });
    const json = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      throw new Error(json.error || ('HTTP ' + answer.status));
    }
    return json;
  }

  async function signIn(box) {
    const error = document.getElementById('passkey-error');
    error.hidden = true;
    const ids = {request: box.dataset.request, csrf_token: box.dataset.csrf};
    try {
      const started = await post(box.dataset.start, ids);
      const credential = await navigator.credentials.get({
        publicKey: requestOptions(started.public_key)});
      await post(box.dataset.finish, Object.assign(
        {credential: assertionJSON(credential)}, ids));
      document.getElementById('continue-form').submit();
    } catch (exc) {
      error.textContent = 'Passkey sign-in failed: ' + exc.message;
      error.hidden = false;
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    const box = document.getElementById('passkey');
    if (!box || !window.PublicKeyCredential) {
      return;
    }
    box.hidden = false;
    document.getElementById('passkey-sign-in').addEventListener(
      'click', () => signIn(box));
  });
}());
