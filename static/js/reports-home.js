/* 总览 (reports/home.html): residents and vulnerable people per child area, as bars; a click opens
   the area. Data from json_script "residents-chart-data". ECharts' own tooltip escapes the names. */
(function () {
  "use strict";
  var source = document.getElementById("residents-chart-data");
  var el = document.getElementById("residents-chart");
  if (!source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#8b1a1a", "#e0a100"],
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: [data.labels.residents, data.labels.vulnerable], top: 0 },
    grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.residents, type: "bar", data: data.residents, barMaxWidth: 36 },
      { name: data.labels.vulnerable, type: "bar", data: data.vulnerable, barMaxWidth: 36 }
    ]
  });
  chart.on("click", function (params) { if (data.urls[params.dataIndex]) { window.location.href = data.urls[params.dataIndex]; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
