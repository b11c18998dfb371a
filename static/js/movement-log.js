// The checkpoint log's form: "再加一人" adds a blank fever row (a coach may have more than three).
(function () {
  "use strict";
  document.querySelectorAll("[data-log-form]").forEach(function (form) {
    var button = form.querySelector("[data-add-fever]");
    var rows = form.querySelector("[data-fever-rows]");
    if (!button || !rows) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var last = rows.querySelector("[data-fever-row]:last-child");
      var copy = last.cloneNode(true);
      copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
      copy.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      rows.appendChild(copy);
      copy.querySelector("input").focus();
    });
  });
})();
