/* 覆盖情况 (testing/rounds/coverage.html): the sampling rate of each child area; a click opens the
   area. Data from json_script "coverage-chart-data". ECharts' own tooltip escapes the names. */
(function () {
  "use strict";
  var source = document.getElementById("coverage-chart-data");
  var el = document.getElementById("coverage-chart");
  if (!source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  var many = data.names.length > 20;
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v + "%"; } },
    grid: { left: 8, right: 16, bottom: many ? 48 : 8, top: 16, containLabel: true },
    xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    dataZoom: many ? [{ type: "slider", start: 0, end: Math.min(100, 2000 / data.names.length) }, { type: "inside" }] : [],
    series: [{
      name: data.label, type: "bar", data: data.rates, barMaxWidth: 36,
      itemStyle: { color: function (p) { return p.value >= 100 ? "#198754" : (p.value >= 90 ? "#e0a100" : "#8b1a1a"); } }
    }]
  });
  chart.on("click", function (params) { if (data.urls[params.dataIndex]) { window.location.href = data.urls[params.dataIndex]; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
