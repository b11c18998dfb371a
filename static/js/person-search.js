/* 人员查询 (geo/person_search.html): choosing a district, street or community searches at once and
   clears the levels below it (data-resets names them). */
(function () {
  "use strict";
  document.querySelectorAll("#person-search-form select").forEach(function (select) {
    select.addEventListener("change", function () {
      (select.dataset.resets || "").split(" ").filter(Boolean).forEach(function (name) {
        var other = select.form.elements[name];
        if (other) { other.value = ""; }
      });
      select.form.requestSubmit();
    });
  });
})();
