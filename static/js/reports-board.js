/* 三快一严 board (reports/_board.html): one small trend chart per step over the last 14 days, from
   json_script "board-trends" ({step: {days: [...], series: [{name, data}]}}). Redrawn after htmx
   replaces the board (it polls itself). */
(function () {
  "use strict";
  var COLORS = ["#0d6efd", "#dc3545"];

  function draw() {
    var source = document.getElementById("board-trends");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var trend = data[el.getAttribute("data-trend")];
      if (!trend) { return; }
      var old = echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        color: COLORS,
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
        grid: { left: 4, right: 8, bottom: 4, top: 24, containLabel: true },
        xAxis: { type: "category", data: trend.days, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
        series: trend.series.map(function (s, i) {
          return { name: s.name, type: i === 0 ? "bar" : "line", data: s.data, showSymbol: false };
        })
      });
    });
  }

  function resize() {
    document.querySelectorAll("[data-trend]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  }

  draw();
  document.body.addEventListener("htmx:afterSettle", function (event) {
    draw();
  });
  window.addEventListener("resize", resize);
})();
