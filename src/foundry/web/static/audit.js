// Timelines (audit log, activity): "Load more" appends the next older page in place, as a new
// live region of this tab, and replaces itself with the form for the page after it.
(function () {
  "use strict";
  var body = document.body;

  function say(text) {
    var status = document.getElementById("timeline-status");
    if (status) status.textContent = text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-load-more]") || !body.dataset.tab) return;
    event.preventDefault();
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    var data = new FormData(form);
    data.set("csrf", body.dataset.csrf || "");
    data.set("tab", body.dataset.tab);
    fetch(form.dataset.loadMore, {
      method: "POST",
      body: data,
      headers: { "X-Live-Form": "1", "X-CSRF-Token": body.dataset.csrf || "" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (!answer.ok) { say("Could not load more; reload the page."); return; }
        var older = form.parentNode.querySelector(".timeline-older");
        var holder = document.createElement("div");
        holder.innerHTML = answer.html;
        var page = holder.firstElementChild;
        if (older && page) {
          older.appendChild(page);
          page.setAttribute("tabindex", "-1");
          page.focus();
        }
        say(answer.count + " older entries loaded.");
        if (answer.more) form.outerHTML = answer.more;
        else form.remove();
      })
      .catch(function () {
        var banner = document.getElementById("connection-banner");
        if (banner) banner.hidden = false;
      })
      .finally(function () { if (button) button.disabled = false; });
  });
})();
