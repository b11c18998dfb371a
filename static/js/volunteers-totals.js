/* 志愿服务统计 (volunteers/totals.html): attendance, hours and vehicle trips by day. Data from
   json_script "volunteers-data". */
(function () {
  "use strict";
  var source = document.getElementById("volunteers-data");
  var el = document.getElementById("volunteers-chart");
  if (!source || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#8b1a1a", "#e0a100", "#2f6f9f"], tooltip: { trigger: "axis" }, legend: { top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 32, containLabel: true },
    xAxis: { type: "category", data: data.days },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
    series: [
      { name: data.labels.attendance, type: "bar", data: data.attendance },
      { name: data.labels.hours, type: "line", yAxisIndex: 1, data: data.hours },
      { name: data.labels.trips, type: "bar", data: data.trips }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
