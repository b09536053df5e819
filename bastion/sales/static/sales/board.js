// The pipeline board's drag and drop (no inline script: strict CSP). A card is dragged onto a
// column; the card's own stage form (the keyboard's way to move it) is then submitted, through
// htmx, which swaps the board with the server's answer: no page reload, and what the board
// shows is always what was saved. Without JavaScript the same form posts and the page reloads.
(function () {
  "use strict";
  var lastMoved = null;

  function bind(root) {
    root.querySelectorAll("[data-deal-card]").forEach(function (card) {
      if (card.dataset.dndBound) { return; }
      card.dataset.dndBound = "1";
      card.addEventListener("dragstart", function (event) {
        event.dataTransfer.setData("text/plain", card.dataset.dealCard);
        event.dataTransfer.effectAllowed = "move";
        card.classList.add("dragging");
      });
      card.addEventListener("dragend", function () { card.classList.remove("dragging"); });
      var form = card.querySelector("form[data-move-form]");
      if (form) {
        form.addEventListener("submit", function () { lastMoved = card.dataset.dealCard; });
      }
    });
    root.querySelectorAll("[data-stage-column]").forEach(function (column) {
      if (column.dataset.dndBound) { return; }
      column.dataset.dndBound = "1";
      column.addEventListener("dragover", function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("drop-target");
      });
      column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("drop-target");
        var id = event.dataTransfer.getData("text/plain");
        var card = document.querySelector("[data-deal-card='" + CSS.escape(id) + "']");
        var form = card && card.querySelector("form[data-move-form]");
        if (!form) { return; }
        var select = form.querySelector("select[name=stage]");
        if (select.value === column.dataset.stageColumn) { return; }
        select.value = column.dataset.stageColumn;
        var list = column.querySelector("[data-cards]");
        if (list) { list.prepend(card); }
        form.requestSubmit();
      });
    });
  }

  function refocus() {
    if (!lastMoved) { return; }
    var select = document.querySelector("[data-deal-card='" + CSS.escape(lastMoved) + "'] select[name=stage]");
    lastMoved = null;
    if (select) { select.focus(); }
  }

  function start() {
    bind(document);
    document.body.addEventListener("htmx:afterSwap", function () { bind(document); });
    document.body.addEventListener("htmx:afterSettle", refocus);
  }

  if (document.readyState !== "loading") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
