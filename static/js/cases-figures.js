/* 每日疫情数据 (cases/figures/day_figures.html): new positives by district, confirmed and asymptomatic,
   and where they were found. Data from json_script "figures-chart-data". ECharts' own tooltip escapes
   the names. */
(function () {
  "use strict";
  var source = document.getElementById("figures-chart-data");
  var el = document.getElementById("figures-chart");
  if (!source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var l = data.labels;
  chart.setOption({
    color: ["#8b1a1a", "#e07b39", "#6c757d", "#e0a100"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: [l.confirmed, l.asymptomatic, l.controlled, l.community], top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 56, containLabel: true },
    xAxis: { type: "category", data: data.districts, axisLabel: { interval: 0, rotate: data.districts.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: l.confirmed, type: "bar", stack: "new", data: data.confirmed },
      { name: l.asymptomatic, type: "bar", stack: "new", data: data.asymptomatic },
      { name: l.controlled, type: "bar", stack: "found", data: data.controlled },
      { name: l.community, type: "bar", stack: "found", data: data.community }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
