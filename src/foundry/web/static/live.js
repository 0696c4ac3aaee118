// Live regions: apply pushed region HTML unless the page already shows something newer,
// and submit live forms in place. No polling: one event stream per tab.
(function () {
  "use strict";
  var body = document.body;
  var tab = body.dataset.tab;
  var banner = document.getElementById("connection-banner");

  // A live update must not take away what the user is doing: the focused field keeps its
  // value and an open <details> (a reply or edit box) stays open.
  var MORPH = {
    morphStyle: "innerHTML",
    ignoreActiveValue: true,
    restoreFocus: true,
    callbacks: {
      beforeAttributeUpdated: function (name, node, mutation) {
        return !(name === "open" && mutation === "remove" && node.tagName === "DETAILS");
      },
    },
  };

  function apply(region, ts, html) {
    var el = document.querySelector('[data-region="' + region + '"]');
    if (!el) return false;
    if (Number(el.dataset.ts || 0) >= ts) return false; // never replace newer with older
    window.Idiomorph.morph(el, html, MORPH);
    el.dataset.ts = String(ts);
    return true;
  }
  window.foundryApply = apply;

  // The stream of one tab. If the server no longer knows the tab (it expired while the
  // browser was offline, or the web process restarted), catch up in place: fetch this page
  // afresh, morph in every region that is newer and follow the new tab. Typed input and the
  // scroll position survive; a full reload happens only when the page cannot be fetched.
  var source = null;
  function connect(tabId) {
    if (source) source.close();
    source = new EventSource("/live/" + encodeURIComponent(tabId));
    source.addEventListener("region", function (event) {
      var update = JSON.parse(event.data);
      apply(update.region, update.ts, update.html);
    });
    source.addEventListener("reload", function () { source.close(); catchUp(1000); });
    source.onopen = function () { if (banner) banner.hidden = true; };
    source.onerror = function () { if (banner) banner.hidden = false; }; // EventSource retries
  }
  function catchUp(delay) {
    if (banner) banner.hidden = false;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Catch-Up": "1" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return null; } // signed out
        if (!response.ok) throw new Error("page unavailable");
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshTab = fresh.body.dataset.tab;
        if (!freshTab) { window.location.reload(); return; }
        fresh.querySelectorAll("[data-region]").forEach(function (el) {
          apply(el.dataset.region, Number(el.dataset.ts || 0), el.innerHTML);
        });
        body.dataset.tab = freshTab;
        body.dataset.csrf = fresh.body.dataset.csrf || body.dataset.csrf;
        document.querySelectorAll('input[name="tab"]').forEach(function (input) { input.value = freshTab; });
        body.dispatchEvent(new CustomEvent("foundry:caught-up", { detail: { tab: freshTab } }));
        connect(freshTab);
      })
      .catch(function () { window.setTimeout(function () { catchUp(Math.min(delay * 2, 15000)); }, delay); });
  }
  if (tab) connect(tab);

  // Posts a live form. A form carrying a chosen file shows its upload's progress (a
  // <progress> after its button), since only XMLHttpRequest reports upload progress.
  function post(form) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.pathname); // not form.action: a field named "action" shadows it
      xhr.setRequestHeader("X-Live-Form", "1");
      xhr.setRequestHeader("X-CSRF-Token", body.dataset.csrf || "");
      xhr.responseType = "json";
      var files = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
        return input.files && input.files.length > 0;
      });
      var bar = null;
      if (files) {
        bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.className = "upload-progress";
        bar.setAttribute("aria-label", "Upload progress");
        form.appendChild(bar);
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
        });
      }
      xhr.addEventListener("load", function () {
        if (xhr.response && typeof xhr.response === "object") resolve(xhr.response);
        else reject(new Error("no answer"));
      });
      xhr.addEventListener("error", reject);
      xhr.addEventListener("loadend", function () { if (bar && bar.parentNode) bar.parentNode.removeChild(bar); });
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-live-form]")) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    post(form)
      .then(function (answer) {
        // A form whose success leaves the page (a delete, a renamed URL) says where to go.
        if (answer.redirect) { window.location.assign(answer.redirect); return; }
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
