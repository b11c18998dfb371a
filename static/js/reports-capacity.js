/* The capacity forecast (reports/capacity.html): from json_script "capacity-chart", two charts —
   each daily series' last 14 days and its 7-day projection with the 80 % band, and each resource's
   projected need with its band against its capacity (and the what-ifs' isolation need, dashed). */
(function () {
  "use strict";
  var COLORS = ["#0d6efd", "#dc3545", "#198754", "#6f42c1", "#fd7e14", "#20c997"];

  function band(name, low, high, xs, color, stack) {
    // A band drawn as two stacked lines: the low edge (invisible) and the width on top of it.
    return [
      { name: name, type: "line", stack: stack, data: xs.map(function (_x, i) { return low[i]; }), lineStyle: { opacity: 0 }, symbol: "none", tooltip: { show: false } },
      { name: name, type: "line", stack: stack, data: xs.map(function (_x, i) { return low[i] === null ? null : high[i] - low[i]; }), lineStyle: { opacity: 0 }, symbol: "none", areaStyle: { color: color, opacity: 0.15 }, tooltip: { show: false } }
    ];
  }

  function pad(before, values) {
    var out = [];
    for (var i = 0; i < before; i++) { out.push(null); }
    return out.concat(values);
  }

  function base(xs) {
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 4, right: 8, bottom: 4, top: 48, containLabel: true },
      xAxis: { type: "category", data: xs, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } }
    };
  }

  function draw() {
    var source = document.getElementById("capacity-chart");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var L = data.labels;
    var el = document.querySelector("[data-capacity-series]");
    if (el) {
      var xs = data.history.concat(data.horizon);
      var n = data.history.length;
      var series = [];
      data.series.forEach(function (s, k) {
        var color = COLORS[k % COLORS.length];
        series.push({ name: s.name + " · " + L.history, type: "bar", data: s.counts, itemStyle: { color: color } });
        series.push({ name: s.name + " · " + L.need, type: "line", data: pad(n, s.expected), lineStyle: { type: "dashed", color: color }, itemStyle: { color: color }, showSymbol: false });
        series = series.concat(band(s.name + " · " + L.band, pad(n, s.low), pad(n, s.high), xs, color, "band" + k));
      });
      var opt = base(xs);
      opt.series = series;
      opt.legend.data = series.filter(function (s) { return !s.stack; }).map(function (s) { return s.name; });
      echarts.init(el, null, { renderer: "canvas" }).setOption(opt);
    }
    el = document.querySelector("[data-capacity-resources]");
    if (el) {
      var rs = [];
      data.resources.forEach(function (r, k) {
        var color = COLORS[(k + 2) % COLORS.length];
        rs.push({ name: r.name + " · " + L.need, type: "line", data: r.need, itemStyle: { color: color }, lineStyle: { color: color } });
        rs = rs.concat(band(r.name + " · " + L.band, r.low, r.high, data.horizon, color, "rband" + k));
        rs.push({ name: r.name + " · " + L.capacity, type: "line", data: data.horizon.map(function () { return r.capacity; }), lineStyle: { type: "dotted", color: color }, itemStyle: { color: color }, showSymbol: false });
      });
      data.what_if.forEach(function (w) {
        if (w.active) { return; }
        rs.push({ name: w.name, type: "line", data: w.need, lineStyle: { type: "dashed" }, showSymbol: false });
      });
      var opt2 = base(data.horizon);
      opt2.series = rs;
      opt2.legend.data = rs.filter(function (s) { return !s.stack; }).map(function (s) { return s.name; });
      echarts.init(el, null, { renderer: "canvas" }).setOption(opt2);
    }
  }

  draw();
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-capacity-series], [data-capacity-resources]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
