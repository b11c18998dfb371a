/* 发布会通报 (testing/board/press_report.html): the copy buttons put a statement's text on the
   clipboard (data-copy names it), with a fallback where the Clipboard API is unavailable. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = document.querySelector(button.dataset.copy).textContent.trim();
      var label = button.querySelector("span");
      var original = label.textContent;
      function done() { label.textContent = button.dataset.copied; setTimeout(function () { label.textContent = original; }, 1500); }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var area = document.createElement("textarea");
        area.value = text; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
      }
    });
  });
})();
