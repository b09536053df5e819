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
    // <input type="checkbox" data-select-all="record"> ticks or clears every name="record" box of its
    // form, those inside it and those outside that name it with form="...".
    root.querySelectorAll("input[data-select-all]").forEach(function (all) {
      if (all.dataset.bound) { return; }
      all.dataset.bound = "1";
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(all.form.elements, function (box) {
          if (box.type === "checkbox" && box.name === all.dataset.selectAll) { box.checked = all.checked; }
        });
      });
    });
    // <form data-confirm="..."> asks before a destructive action.
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.bound) { return; }
      form.dataset.bound = "1";
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
    // <button data-add-row="emails" data-max="N"> adds a blank row to its fieldset's (or form's) formset,
    // from the <template data-row-template> beside it (Django's empty form), up to N rows in all. What
    // stands in for it without JavaScript ([data-without-js]: a button that asks the server for more
    // rows) is hidden once it works.
    root.querySelectorAll("button[data-add-row]").forEach(function (button) {
      if (button.dataset.bound) { return; }
      button.dataset.bound = "1";
      var fieldset = button.closest("fieldset") || button.closest("form");
      var total = fieldset.querySelector('input[name="' + button.dataset.addRow + '-TOTAL_FORMS"]');
      var template = fieldset.querySelector("template[data-row-template]");
      var body = fieldset.querySelector("tbody");
      var max = parseInt(button.dataset.max, 10);
      if (!total || !template || !body) { return; }
      function refresh() { button.hidden = parseInt(total.value, 10) >= max; }
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        if (index >= max) { return; }
        var row = template.content.firstElementChild.cloneNode(true);
        row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
          ["name", "id", "for"].forEach(function (attribute) {
            var value = element.getAttribute(attribute);
            if (value) { element.setAttribute(attribute, value.replace("__prefix__", String(index))); }
          });
        });
        // A label may name the row's number for screen readers ("Product, line 4").
        row.querySelectorAll("label").forEach(function (label) {
          label.textContent = label.textContent.replace("__number__", String(index + 1));
        });
        body.appendChild(row);
        total.value = String(index + 1);
        var first = row.querySelector("input, select");
        if (first) { first.focus(); }
        refresh();
      });
      refresh();
      fieldset.querySelectorAll("[data-without-js]").forEach(function (element) { element.hidden = true; });
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

  // <details data-closes-outside> (the user menu) closes on a click elsewhere or on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details[data-closes-outside][open]").forEach(function (menu) {
      if (menu !== except) { menu.open = false; }
    });
  }

  onReady(function () {
    bind(document);
    document.addEventListener("click", function (event) { closeMenus(event.target.closest("details[data-closes-outside]")); });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var open = document.querySelector("details[data-closes-outside][open]");
      if (open) { open.open = false; open.querySelector("summary").focus(); }
    });
    document.body.addEventListener("htmx:afterSwap", function (event) { bind(event.target); });
    // htmx sends the CSRF token from the cookie-less meta value on every request.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
    });
  });
})();

// Directory additions (appended). <form data-confirm="..." data-confirm-field="confirmed">: once the
// person has agreed in the dialog, send confirmed=yes so the server skips its own confirmation
// page. Without JavaScript the form posts without the field and the server asks on a page instead.
(function () {
  "use strict";

  function bindConfirmField(root) {
    root.querySelectorAll("form[data-confirm][data-confirm-field]").forEach(function (form) {
      if (form.dataset.confirmFieldBound) { return; }
      form.dataset.confirmFieldBound = "1";
      // Registered after the data-confirm listener above, so a cancelled dialog has already
      // prevented the submission by the time this runs.
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented || form.querySelector("input[name='" + form.dataset.confirmField + "']")) { return; }
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = form.dataset.confirmField;
        input.value = "yes";
        form.appendChild(input);
      });
    });
  }

  function start() {
    bindConfirmField(document);
    document.body.addEventListener("htmx:afterSwap", function (event) { bindConfirmField(event.target); });
  }

  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
