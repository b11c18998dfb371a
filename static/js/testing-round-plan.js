/* 安排新一轮 (testing/rounds/round_plan.html): add and remove rows of the scope (a copy of the
   <template id="area-row-template"> row, its __prefix__ numbered), keep each row's sampling mode and
   rule in step with its area class (json_script "pooling-data"), and preview the default deadline. */
(function () {
  "use strict";
  var source = document.getElementById("pooling-data");
  if (!source) { return; }
  var pooling = JSON.parse(source.textContent);
  var rows = document.getElementById("area-rows");
  var total = document.getElementById("id_areas-TOTAL_FORMS");
  var template = document.getElementById("area-row-template");
  function sync(row) {
    var city = row.querySelector("[data-level]").value === "city";
    row.querySelector("[data-place]").disabled = city;
    row.querySelector("[data-q]").hidden = city;
    var p = pooling[row.querySelector("[data-class]").value] || { mode: "", citation: "" };
    row.querySelector("[data-pooling-mode]").textContent = p.mode;
    row.querySelector("[data-pooling-citation]").textContent = p.citation;
  }
  function numbered(n) {
    // The row is copied as elements, never re-parsed from text: only attribute values change.
    var row = template.content.querySelector("tr").cloneNode(true);
    [row].concat(Array.prototype.slice.call(row.querySelectorAll("*"))).forEach(function (el) {
      Array.prototype.slice.call(el.attributes).forEach(function (a) {
        if (a.value.indexOf("__prefix__") !== -1) { el.setAttribute(a.name, a.value.split("__prefix__").join(String(n))); }
      });
    });
    return row;
  }
  document.getElementById("add-area").addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var row = numbered(n);
    rows.appendChild(row);
    total.value = n + 1;
    htmx.process(row);
    sync(row);
  });
  rows.addEventListener("click", function (e) {
    var button = e.target.closest("[data-remove-row]");
    if (button) { button.closest("tr").remove(); }
  });
  rows.addEventListener("change", function (e) {
    var row = e.target.closest("tr");
    if (row) { sync(row); }
  });
  var start = document.getElementById("id_starts_at");
  var deadline = document.getElementById("id_deadline_at");
  var preview = document.getElementById("deadline-preview");
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function showDefault() {
    if (!start.value || deadline.value) { preview.textContent = ""; return; }
    var t = new Date(start.value + ":00Z");
    if (isNaN(t)) { preview.textContent = ""; return; }
    t = new Date(t.getTime() + parseInt(preview.dataset.hours, 10) * 3600 * 1000);
    preview.textContent = preview.dataset.label + "：" + t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) + " " + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes());
  }
  start.addEventListener("input", showDefault);
  deadline.addEventListener("input", showDefault);
  showDefault();
})();
