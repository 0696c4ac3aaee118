// Task detail: acceptance-criteria rows in the edit form (add, remove) and the sprint choice
// narrowed to the chosen workstream's sprints. Delegated from the document, so it keeps working
// after a form is morphed in again.
(function () {
  "use strict";

  function renumber(list) {
    list.querySelectorAll("li[data-criterion]").forEach(function (row, i) {
      var input = row.querySelector("input");
      var label = row.querySelector("label");
      var id = "task-edit-criterion-" + (i + 1);
      input.id = id;
      label.htmlFor = id;
      label.textContent = "Criterion " + (i + 1);
    });
  }

  function addRow(list) {
    var last = list.querySelector("li[data-criterion]:last-child");
    var row = last.cloneNode(true);
    row.querySelector("input").value = "";
    list.appendChild(row);
    renumber(list);
    row.querySelector("input").focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-criterion]");
    if (add) {
      addRow(add.closest("fieldset").querySelector("[data-criteria]"));
      return;
    }
    var remove = event.target.closest("[data-remove-criterion]");
    if (!remove) return;
    var row = remove.closest("li[data-criterion]");
    var list = row.parentElement;
    if (list.children.length > 1) {
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(list);
      if (next) next.querySelector("input").focus();
    } else {
      row.querySelector("input").value = "";
    }
  });

  // Only the open sprints of the chosen workstream are offered (the backend checks it too).
  function narrow(form) {
    var ws = form.querySelector("[data-workstream-choice]");
    var sprint = form.querySelector("[data-sprint-choice]");
    if (!ws || !sprint) return;
    Array.prototype.forEach.call(sprint.options, function (option) {
      var other = option.dataset.workstream && ws.value && option.dataset.workstream !== ws.value;
      option.hidden = Boolean(other);
      option.disabled = Boolean(other);
      if (other && option.selected) sprint.value = "";
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-workstream-choice]")) narrow(event.target.form);
  });
  document.querySelectorAll("form.task-edit").forEach(narrow);
})();
