// Discovery page: uploads with a progress bar (XMLHttpRequest upload events), and bulk forms
// whose chosen verb comes from the button pressed. Without this script the forms post normally.
(function () {
  "use strict";
  var body = document.body;

  function errorSlot(form) { return form.querySelector(".field-error[data-field=file]"); }

  function showError(form, message) {
    var slot = errorSlot(form);
    var input = form.querySelector("input[type=file]");
    if (slot) { slot.textContent = message; slot.hidden = false; }
    if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", slot ? slot.id : ""); }
  }

  function clearError(form) {
    var slot = errorSlot(form);
    var input = form.querySelector("input[type=file]");
    if (slot) { slot.textContent = ""; slot.hidden = true; }
    if (input) { input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby"); }
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    var max = Number(form.dataset.max || 0);
    if (file && max && file.size > max) {
      showError(form, "This file is larger than " + Math.round(max / 1048576) + " MiB; choose a smaller one.");
      return;
    }
    clearError(form);
    var progress = form.querySelector("progress");
    var button = form.querySelector("[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Live-Form", "1");
    xhr.setRequestHeader("X-CSRF-Token", body.dataset.csrf || "");
    xhr.responseType = "json";
    if (progress) { progress.value = 0; progress.hidden = false; }
    if (button) button.disabled = true;
    xhr.upload.addEventListener("progress", function (event) {
      if (progress && event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", function () {
      var answer = xhr.response || {};
      (answer.regions || []).forEach(function (u) { window.foundryApply(u.region, u.ts, u.html); });
      if (answer.form !== undefined) {
        window.Idiomorph.morph(form, answer.form, { morphStyle: "outerHTML" });
      } else if (answer.ok) {
        form.reset();
        if (progress) progress.hidden = true;
      } else {
        showError(form, "The upload failed (" + xhr.status + "); try again.");
      }
    });
    xhr.addEventListener("error", function () { showError(form, "The upload failed; check the connection and try again."); });
    xhr.addEventListener("loadend", function () { if (button) button.disabled = false; });
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-upload]")) {
      event.preventDefault();
      upload(form);
      return;
    }
    // Bulk forms: live.js posts new FormData(form), which leaves out the pressed button.
    if (form.matches && form.matches("form[data-bulk]") && event.submitter) {
      var verb = form.querySelector("input[type=hidden][name=verb]");
      if (verb) verb.value = event.submitter.value || "";
    }
  }, true);
})();
