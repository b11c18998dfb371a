/* 快转 pages: the board's countdowns keep ticking between refreshes, and the board refreshes only
   while nobody is filling in one of its forms. */
(function () {
  "use strict";

  function boardIdle() {
    var board = document.getElementById("board");
    if (!board) { return false; }
    if (board.querySelector("details[open]")) { return false; }
    var active = document.activeElement;
    return !(active && board.contains(active) && active.matches("input, select, textarea"));
  }

  // The board's poll (hx-trigger="every 30s") is skipped while someone is busy on it.
  document.addEventListener("htmx:confirm", function (e) {
    if (e.target.id === "board" && !boardIdle()) { e.preventDefault(); }
  });

  var labelsEl = document.getElementById("countdown-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : null;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)(02d|s|d)/g, function (_m, key, spec) {
      var v = String(values[key]);
      return spec === "02d" && v.length < 2 ? "0" + v : v;
    });
  }

  function tick() {
    if (!labels) { return; }
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-deadline")) - now;
      if (isNaN(ms)) { return; }
      var s = Math.floor(Math.abs(ms) / 1000);
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      var span = d ? fmt(labels.days, { d: d, h: h }) : fmt(labels.hours, { h: h, m: m });
      el.textContent = fmt(ms < 0 ? labels.over : labels.left, { t: span });
      el.classList.toggle("text-bg-danger", ms < 0);
      el.classList.toggle("text-bg-warning", ms >= 0 && ms < 7200000);
      el.classList.toggle("text-bg-light", ms >= 7200000);
      el.classList.toggle("border", ms >= 7200000);
    });
  }

  tick();
  setInterval(tick, 20000);
  document.body.addEventListener("htmx:afterSwap", tick);

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var span = button.querySelector("span");
        if (span) { span.textContent = button.getAttribute("data-copied"); }
      });
    });
  });
})();
