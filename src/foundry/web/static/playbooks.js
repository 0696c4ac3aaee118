// Playbook step editor: drag a step by its handle to reorder. The new order is posted through the
// page's hidden live form, whose answer (the playbook at the commit timestamp) morphs the list
// back into the server's order; a refused reorder shows its reason in the form.
(function () {
  "use strict";

  function reorderForm() { return document.querySelector("form.pb-reorder"); }

  function onEnd(event) {
    if (event.oldIndex === event.newIndex) return;
    var form = reorderForm();
    if (!form) return;
    var order = Array.prototype.map.call(
      event.to.querySelectorAll(":scope > li.pb-step"),
      function (li) { return li.dataset.index; }
    );
    form.querySelector("input[name=order]").value = order.join(",");
    form.hidden = false; // so an error in the answer shows
    form.requestSubmit();
  }

  function bind() {
    if (!window.Sortable) return;
    document.querySelectorAll("ol.playbook-steps").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, { handle: ".pb-handle", draggable: "li.pb-step", onEnd: onEnd });
    });
  }

  document.addEventListener("DOMContentLoaded", bind);
  // The list lives in a region that is morphed in place; bind again if it was replaced.
  new MutationObserver(bind).observe(document.body, { childList: true, subtree: true });
})();
