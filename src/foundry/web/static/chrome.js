// The chrome every page shares: the command palette (Ctrl/Cmd+K), the shortcuts dialog (?),
// "g p / g r / g t" navigation and the theme. Searching runs only on typing: no polling.
(function () {
  "use strict";
  var root = document.querySelector("[data-chrome]");
  if (!root || window.foundryChrome) return;
  window.foundryChrome = true;
  var html = document.documentElement;
  // Until the layout renders data-theme itself, apply the theme the server chose.
  if (!html.dataset.theme) html.dataset.theme = root.dataset.themeCurrent || "light";
  var palette = document.getElementById("palette");
  var shortcuts = document.getElementById("shortcuts");
  var input = document.getElementById("palette-input");
  var list = document.getElementById("palette-results");
  var status = palette.querySelector(".palette-status");
  var slug = root.dataset.programSlug;
  var opener = null, timer = null, pending = null, selected = -1, lastG = 0;

  function open(dialog) {
    if (dialog.open) return;
    opener = document.activeElement;
    dialog.showModal();
    var first = dialog.querySelector("input, button");
    if (first) first.focus();
  }
  function close(dialog) {
    if (!dialog.open) return;
    dialog.close();
  }
  [palette, shortcuts].forEach(function (dialog) {
    dialog.addEventListener("close", function () {
      if (opener && opener.focus) opener.focus();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target.matches("[data-close-dialog]")) close(dialog);
    });
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return; // keep focus inside the dialog
      var items = dialog.querySelectorAll("input, button, a[href]");
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
    });
  });
  root.querySelector("[data-open-palette]").addEventListener("click", function () { open(palette); });
  root.querySelector("[data-open-shortcuts]").addEventListener("click", function () { open(shortcuts); });

  function options() { return list.querySelectorAll("[role=option]"); }
  function select(index) {
    var all = options();
    if (!all.length) { selected = -1; input.removeAttribute("aria-activedescendant"); return; }
    selected = (index + all.length) % all.length;
    all.forEach(function (el, i) { el.setAttribute("aria-selected", i === selected ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", all[selected].id);
    all[selected].scrollIntoView({ block: "nearest" });
  }
  function show(results) {
    list.textContent = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "palette-option-" + i;
      li.setAttribute("role", "option");
      li.dataset.href = r.href;
      var title = document.createElement("span");
      title.textContent = (r.refId ? r.refId + " · " : "") + r.title;
      var kind = document.createElement("span");
      kind.className = "muted palette-kind";
      kind.textContent = " " + r.table;
      li.appendChild(title);
      li.appendChild(kind);
      list.appendChild(li);
    });
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    status.textContent = input.value.trim() ? results.length + " results" : "";
    select(0);
  }
  function search() {
    var text = input.value.trim();
    if (pending) pending.abort();
    if (!text) { show([]); return; }
    pending = new AbortController();
    var url = "/search?q=" + encodeURIComponent(text);
    fetch(url, { credentials: "same-origin", signal: pending.signal })
      .then(function (response) { return response.json(); })
      .then(function (answer) { show(answer.results || []); })
      .catch(function (error) { if (error.name !== "AbortError") status.textContent = "Search failed."; });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { select(selected + 1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { select(selected - 1); event.preventDefault(); }
    else if (event.key === "Enter") {
      var all = options();
      if (selected >= 0 && all[selected]) { event.preventDefault(); go(all[selected].dataset.href); }
    }
  });
  list.addEventListener("click", function (event) {
    var option = event.target.closest("[role=option]");
    if (option) { event.preventDefault(); go(option.dataset.href); }
  });
  function go(href) {
    close(palette);
    var here = window.location.pathname;
    window.location.assign(href);
    if (href.split("#")[0] === here) window.location.reload(); // same page, new anchor
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      close(shortcuts);
      open(palette);
      return;
    }
    if (palette.open || shortcuts.open || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") { event.preventDefault(); open(shortcuts); return; }
    var now = Date.now();
    if (event.key === "g") { lastG = now; return; }
    if (now - lastG > 1500) return;
    lastG = 0;
    if (event.key === "p") window.location.assign("/");
    else if (event.key === "r" && slug) window.location.assign("/p/" + slug + "/requirements");
    else if (event.key === "t" && slug) window.location.assign("/p/" + slug + "/tasks");
  });
})();
// On narrow screens the sidebar folds behind the Menu button; without script it stays open.
(function () {
  "use strict";
  var button = document.querySelector(".nav-toggle");
  var sidebar = document.getElementById("sidebar");
  if (!button || !sidebar) return;
  var narrow = window.matchMedia("(max-width: 800px)");
  function apply() {
    button.hidden = !narrow.matches;
    var open = button.getAttribute("aria-expanded") === "true";
    sidebar.classList.toggle("folded", narrow.matches && !open);
  }
  button.addEventListener("click", function () {
    button.setAttribute("aria-expanded", button.getAttribute("aria-expanded") === "true" ? "false" : "true");
    apply();
  });
  narrow.addEventListener("change", apply);
  apply();
})();
