// Bastion's only first-party script. No inline script anywhere: behaviour hangs off data-* attributes.
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  function bind(root) {
    // <select data-autosubmit> submits its form when changed (language switcher, filters).
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.bound) { return; }
      select.dataset.bound = "1";
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    // <form data-confirm="..."> asks before a destructive action.
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.bound) { return; }
      form.dataset.bound = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    // <button data-copy="#id"> copies the text of an element (one-time tokens, recovery codes).
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var target = document.querySelector(button.dataset.copy);
        if (target && navigator.clipboard) { navigator.clipboard.writeText(target.textContent.trim()); }
        button.textContent = button.dataset.copiedLabel || button.textContent;
      });
    });
  }

  onReady(function () {
    bind(document);
    document.body.addEventListener("htmx:afterSwap", function (event) { bind(event.target); });
    // htmx sends the CSRF token from the cookie-less meta value on every request.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
    });
  });
})();
