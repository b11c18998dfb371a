/* 快隔数据 (isolation/figures.html): people in each isolation site, and hours from identification to
   check-in by district. Data from json_script "figures-data". ECharts' own tooltip escapes the names. */
(function () {
  "use strict";
  var source = document.getElementById("figures-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var el = document.getElementById("sites-chart");
  if (el) {
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      color: ["#8b1a1a"], tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, bottom: 8, top: 16, containLabel: true },
      xAxis: { type: "value", minInterval: 1 }, yAxis: { type: "category", data: data.sites.names, inverse: true },
      series: [{ name: data.sites.label, type: "bar", data: data.sites.values, label: { show: true, position: "right" } }]
    });
    charts.push(c);
  }
  el = document.getElementById("delay-chart");
  if (el) {
    var d = echarts.init(el, null, { renderer: "canvas" });
    d.setOption({
      color: ["#e0a100", "#8b1a1a"], tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "category", data: data.delay.names }, yAxis: { type: "value" },
      series: [
        { name: data.delay.labels.average, type: "bar", data: data.delay.average },
        { name: data.delay.labels.max, type: "bar", data: data.delay.max }
      ]
    });
    charts.push(d);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
