/* 时限看板 (testing/board/deadline_board.html): people sampled and resulted, cumulative by hour. Data
   from json_script "progress-chart-data". */
(function () {
  "use strict";
  var source = document.getElementById("progress-chart-data");
  var el = document.getElementById("progress-chart");
  if (!source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#8b1a1a", "#198754"],
    tooltip: { trigger: "axis" },
    legend: { data: [data.labels.sampled, data.labels.resulted], top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
    xAxis: { type: "category", boundaryGap: false, data: data.hours },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.sampled, type: "line", data: data.sampled, showSymbol: data.hours.length < 48, areaStyle: { opacity: 0.08 } },
      { name: data.labels.resulted, type: "line", data: data.resulted, showSymbol: data.hours.length < 48, areaStyle: { opacity: 0.08 } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
