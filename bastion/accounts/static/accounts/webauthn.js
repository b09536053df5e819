// Security keys and passkeys without inline script (CSP script-src 'self').
//
// A button declares what it does with data attributes:
//   data-webauthn="add" | "authenticate" | "login"
//   data-webauthn-options="<id>"       id of a <script type="application/json"> block (json_script)
//                                        holding {"creation_options": ...} or {"request_options": ...}
//   data-webauthn-credential="<id>"    id of the hidden input that receives the credential
//   data-webauthn-passwordless="<id>"  (add) id of the "passwordless" checkbox, if any
// "login" fetches its request options from the form's action (allauth's passkey login view).
// The WebAuthn ceremony uses webauthn-json (window.webauthnJSON), shipped by allauth.
(function () {
  "use strict";

  function readData(id) {
    var element = id ? document.getElementById(id) : null;
    return element ? JSON.parse(element.textContent) : null;
  }

  function showError(error) {
    var box = document.getElementById("webauthn-error");
    if (box) {
      box.textContent = box.dataset.message;
      box.hidden = false;
    }
    if (window.console) { window.console.warn(error); }
  }

  function creationOptions(button) {
    var options = JSON.parse(JSON.stringify(readData(button.dataset.webauthnOptions).creation_options));
    var checkbox = document.getElementById(button.dataset.webauthnPasswordless || "");
    if (checkbox) {
      var selection = options.publicKey.authenticatorSelection;
      selection.residentKey = checkbox.checked ? "required" : "discouraged";
      selection.requireResidentKey = checkbox.checked;
      if (checkbox.checked) { selection.userVerification = "required"; }
    }
    return options;
  }

  async function loginOptions(form) {
    var response = await fetch(form.action, { method: "GET", headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) { throw new Error("passkey options unavailable (" + response.status + ")"); }
    return (await response.json()).request_options;
  }

  async function run(button) {
    var input = document.getElementById(button.dataset.webauthnCredential);
    var form = input.form;
    var credential;
    if (button.dataset.webauthn === "add") {
      credential = await window.webauthnJSON.create(creationOptions(button));
    } else if (button.dataset.webauthn === "login") {
      credential = await window.webauthnJSON.get(await loginOptions(form));
    } else {
      credential = await window.webauthnJSON.get(readData(button.dataset.webauthnOptions).request_options);
    }
    input.value = JSON.stringify(credential);
    form.submit();
  }

  function bind() {
    document.querySelectorAll("button[data-webauthn]").forEach(function (button) {
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      if (!window.PublicKeyCredential || !window.webauthnJSON) {
        button.disabled = true;
        return;
      }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        button.disabled = true;
        run(button).catch(function (error) {
          button.disabled = false;
          showError(error);
        });
      });
    });
  }

  if (document.readyState !== "loading") { bind(); } else { document.addEventListener("DOMContentLoaded", bind); }
})();
