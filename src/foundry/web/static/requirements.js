// Requirements table: row selection that survives live updates, and the bulk bar.
// The selection lives here (a set of ids); after every morph of the table it is put back.
(function () {
  "use strict";
  var bar = document.querySelector("[data-bulk]");
  var region = document.querySelector('[data-region="requirements-table"]');
  if (!bar || !region) return;
  var selected = new Set();
  var busy = false;
  var confirmBox = bar.querySelector("[data-bulk-confirm]");
  var askDelete = bar.querySelector("[data-bulk-ask-delete]");
  var message = bar.querySelector("[data-bulk-message]");
  var error = bar.querySelector("[data-bulk-error]");

  function rows() { return Array.prototype.slice.call(region.querySelectorAll("input[data-select-row]")); }

  function sync() {
    var boxes = rows();
    var present = new Set();
    boxes.forEach(function (box) { present.add(box.value); box.checked = selected.has(box.value); });
    selected.forEach(function (id) { if (!present.has(id)) selected.delete(id); });
    var all = region.querySelector("input[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && selected.size === boxes.length;
      all.indeterminate = selected.size > 0 && selected.size < boxes.length;
    }
    bar.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = String(selected.size); });
    bar.classList.toggle("has-selection", selected.size > 0);
    bar.querySelectorAll("button[data-bulk-action], [data-bulk-ask-delete]").forEach(function (b) {
      b.disabled = busy || selected.size === 0;
    });
    if (selected.size === 0 && !confirmBox.hidden) closeConfirm(false);
  }

  region.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("input[data-select-row]")) {
      if (box.checked) selected.add(box.value); else selected.delete(box.value);
    } else if (box.matches("input[data-select-all]")) {
      rows().forEach(function (row) { if (box.checked) selected.add(row.value); else selected.delete(row.value); });
    } else {
      return;
    }
    sync();
  });
  // live.js morphs the table and then stamps data-ts: put the selection back each time.
  new MutationObserver(sync).observe(region, { attributes: true, attributeFilter: ["data-ts"], childList: true, subtree: true });

  function openConfirm() {
    confirmBox.hidden = false;
    confirmBox.querySelector("[data-bulk-action=delete]").focus();
  }
  function closeConfirm(refocus) {
    confirmBox.hidden = true;
    if (refocus) askDelete.focus();
  }
  askDelete.addEventListener("click", openConfirm);
  bar.querySelector("[data-bulk-cancel]").addEventListener("click", function () { closeConfirm(true); });
  confirmBox.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); closeConfirm(true); }
  });

  function say(answer) {
    message.textContent = "";
    error.textContent = "";
    if (!answer.ok) { error.textContent = answer.error || "That did not work."; return; }
    message.textContent = answer.message || "Done.";
    if (answer.link) {
      var a = document.createElement("a");
      a.href = answer.link.href;
      a.textContent = answer.link.text;
      message.appendChild(document.createTextNode(" "));
      message.appendChild(a);
    }
  }

  function run(action) {
    var body = new FormData();
    body.append("tab", document.body.dataset.tab || "");
    body.append("action", action);
    var chooser = bar.querySelector('[data-bulk-value="' + action + '"]');
    if (chooser) body.append("value", chooser.value);
    rows().forEach(function (box) {
      if (selected.has(box.value)) { body.append("id", box.value); body.append("ref", box.dataset.ref || ""); }
    });
    busy = true;
    sync();
    fetch(bar.dataset.action, {
      method: "POST",
      body: body,
      headers: { "X-Live-Form": "1", "X-CSRF-Token": document.body.dataset.csrf || "" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        (answer.regions || []).forEach(function (u) { window.foundryApply(u.region, u.ts, u.html); });
        if (answer.ok && action === "delete") closeConfirm(false);
        say(answer);
      })
      .catch(function () { say({ ok: false, error: "The server could not be reached; nothing was changed on this page." }); })
      .finally(function () { busy = false; sync(); });
  }

  bar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-bulk-action]");
    if (button && !button.disabled) run(button.dataset.bulkAction);
  });
  sync();
})();
