// The kanban board. A dropped card stays where it was dropped at once; the server's answer (the
// board at the move's commit timestamp) then reconciles it, and a refused move puts it back.
(function () {
  "use strict";
  var body = document.body;
  var alertBox = document.getElementById("board-error");
  var refocus = null; // the card whose "Move to…" form was just used, to keep keyboard focus on it

  // Regions render once for every tab, so forms inside them carry no tab id: add this page's.
  document.addEventListener("formdata", function (event) {
    if (body.dataset.tab && !event.formData.has("tab")) event.formData.set("tab", body.dataset.tab);
  }, true);

  function say(message) { if (alertBox) alertBox.textContent = message || ""; }

  function region() { return document.querySelector('[data-region="task-board"]'); }

  // Unlike pushed updates, an answer at the same timestamp is applied: it undoes a refused drop.
  function reconcile(answer) {
    (answer.regions || []).forEach(function (u) {
      var el = document.querySelector('[data-region="' + u.region + '"]');
      if (!el || Number(el.dataset.ts || 0) > u.ts) return;
      window.Idiomorph.morph(el, u.html, { morphStyle: "innerHTML" });
      el.dataset.ts = String(u.ts);
    });
  }

  function putBack(event) {
    var siblings = Array.prototype.filter.call(event.from.children, function (c) { return c !== event.item; });
    event.from.insertBefore(event.item, siblings[event.oldIndex] || null);
  }

  function cardId(el) {
    return el && el.matches && el.matches("li.task-card") ? el.dataset.taskId : "";
  }

  function onEnd(event) {
    var item = event.item;
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    var data = new FormData();
    data.set("csrf", body.dataset.csrf || "");
    data.set("tab", body.dataset.tab || "");
    data.set("taskId", item.dataset.taskId);
    data.set("status", event.to.dataset.status);
    var after = cardId(item.previousElementSibling), before = cardId(item.nextElementSibling);
    if (after) data.set("afterTaskId", after);
    else if (before) data.set("beforeTaskId", before);
    var slug = region().querySelector(".board").dataset.slug;
    say("");
    item.setAttribute("aria-busy", "true");
    fetch("/p/" + encodeURIComponent(slug) + "/tasks/move", {
      method: "POST",
      body: data,
      headers: { "X-Live-Form": "1", "X-CSRF-Token": body.dataset.csrf || "" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        reconcile(answer);
        if (!answer.ok) say("Move refused: " + (answer.error || "this page expired; reload it."));
      })
      .catch(function () {
        putBack(event);
        say("The move could not be sent; check the connection and try again.");
      })
      .finally(function () { item.removeAttribute("aria-busy"); });
  }

  function init() {
    var root = region();
    if (!root || !window.Sortable) return;
    root.querySelectorAll("ol.cards").forEach(function (list) {
      if (window.Sortable.get(list)) return;
      window.Sortable.create(list, {
        group: "board",
        animation: 0, // Sortable ignores the pointer over a list that is still animating
        forceFallback: true, // pointer events rather than native drag-and-drop: the same on touch screens
        ghostClass: "drag-ghost",
        delay: 250, // on touch screens a long press starts a drag, so a swipe still scrolls
        delayOnTouchOnly: true,
        filter: "form, select, button, input, label",
        preventOnFilter: false,
        onEnd: onEnd,
      });
    });
    if (refocus && (!document.activeElement || document.activeElement === body)) {
      var link = document.querySelector("#task-" + refocus + " a");
      if (link) link.focus();
      refocus = null;
    }
  }

  document.addEventListener("submit", function (event) {
    var card = event.target.closest && event.target.closest("li.task-card");
    if (card) refocus = card.dataset.taskId;
  }, true);

  var root = region();
  if (root) {
    init();
    new MutationObserver(init).observe(root, { childList: true, subtree: true });
  }
})();
