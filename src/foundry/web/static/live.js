// Live regions: apply pushed region HTML unless the page already shows something newer,
// and submit live forms in place. No polling: one event stream per tab.
(function () {
  "use strict";
  var body = document.body;
  var tab = body.dataset.tab;
  var banner = document.getElementById("connection-banner");

  function apply(region, ts, html) {
    var el = document.querySelector('[data-region="' + region + '"]');
    if (!el) return false;
    if (Number(el.dataset.ts || 0) >= ts) return false; // never replace newer with older
    window.Idiomorph.morph(el, html, { morphStyle: "innerHTML" });
    el.dataset.ts = String(ts);
    return true;
  }
  window.foundryApply = apply;

  if (tab) {
    var source = new EventSource("/live/" + encodeURIComponent(tab));
    source.addEventListener("region", function (event) {
      var update = JSON.parse(event.data);
      apply(update.region, update.ts, update.html);
    });
    source.addEventListener("reload", function () { window.location.reload(); });
    source.onopen = function () { if (banner) banner.hidden = true; };
    source.onerror = function () { if (banner) banner.hidden = false; }; // EventSource retries
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-live-form]")) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Live-Form": "1", "X-CSRF-Token": body.dataset.csrf || "" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        (answer.regions || []).forEach(function (u) { apply(u.region, u.ts, u.html); });
        if (answer.form !== undefined) {
          // A whole <form> replaces this one; bare contents go inside it.
          var whole = /^\s*<form[\s>]/i.test(answer.form);
          window.Idiomorph.morph(form, answer.form, { morphStyle: whole ? "outerHTML" : "innerHTML" });
        }
        if (answer.ok && !answer.form) form.reset();
      })
      .catch(function () { if (banner) banner.hidden = false; })
      .finally(function () { if (button) button.disabled = false; });
  });
})();
