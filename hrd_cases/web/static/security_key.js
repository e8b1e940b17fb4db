// Runs one WebAuthn ceremony for #key-ceremony: fetch options, ask the authenticator, send the
// answer. First-party, no library; the server does every check (py_webauthn).
(function () {
  "use strict";
  var box = document.getElementById("key-ceremony");
  if (!box || !window.PublicKeyCredential) { return; }
  var status = document.getElementById("key-status");
  var button = document.getElementById("key-start");
  button.parentNode.hidden = false;

  function fromB64url(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.querySelector("input[name=csrf_token]").value },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || "refused"); }
        return data;
      });
    });
  }
  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: fromB64url(d.id), transports: d.transports };
    });
  }
  function encode(credential) {
    var r = credential.response, response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
    }
    return {
      id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
      response: response, clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment
    };
  }
  function run() {
    var register = box.dataset.mode === "register";
    status.textContent = "Waiting for your security key…";
    post(box.dataset.optionsUrl).then(function (options) {
      options.challenge = fromB64url(options.challenge);
      if (register) {
        options.user.id = fromB64url(options.user.id);
        options.excludeCredentials = descriptors(options.excludeCredentials);
        return navigator.credentials.create({ publicKey: options });
      }
      options.allowCredentials = descriptors(options.allowCredentials);
      return navigator.credentials.get({ publicKey: options });
    }).then(function (credential) {
      var name = document.getElementById("key-name");
      return post(box.dataset.finishUrl, {
        credential: encode(credential), name: name ? name.value : ""
      });
    }).then(function (answer) {
      if (answer.recovery_codes && answer.recovery_codes.length) {
        var list = document.getElementById("key-codes-list");
        answer.recovery_codes.forEach(function (code) {
          var item = document.createElement("li"), text = document.createElement("code");
          text.textContent = code; item.appendChild(text); list.appendChild(item);
        });
        document.getElementById("key-codes-continue").href = answer.redirect;
        document.getElementById("key-codes").hidden = false;
        status.textContent = "";
        return;
      }
      window.location.assign(answer.redirect);
    }).catch(function (error) {
      status.textContent = error && error.name === "NotAllowedError"
        ? "The security key was not used, or is not registered for this account."
        : (error.message || "The security key was not accepted.");
    });
  }
  button.addEventListener("click", run);
}());
