// Forms whose success leaves the page (deleting what the page shows, or renaming its URL):
// posted in place like live forms, then the browser goes where the answer says. A refusal
// replaces the form (the reason beside the field, the input kept); regions in the answer are
// applied like any live update.
(function () {
  "use strict";
  var body = document.body;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-nav-form]")) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    var banner = document.getElementById("connection-banner");
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Live-Form": "1", "X-CSRF-Token": body.dataset.csrf || "" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (answer.redirect) { window.location.assign(answer.redirect); return; }
        (answer.regions || []).forEach(function (u) {
          if (window.foundryApply) window.foundryApply(u.region, u.ts, u.html);
        });
        if (answer.form !== undefined) {
          var whole = /^\s*<form[\s>]/i.test(answer.form);
          window.Idiomorph.morph(form, answer.form, { morphStyle: whole ? "outerHTML" : "innerHTML" });
        }
      })
      .catch(function () { if (banner) banner.hidden = false; })
      .finally(function () { if (button) button.disabled = false; });
  });
})();
