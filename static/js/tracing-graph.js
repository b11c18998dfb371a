/* 传播链 (isolation/tracing/cluster_graph.html): the cluster's people and exposures as a force graph;
   a click on a person opens their page. Data from json_script "cluster-graph-data".
   Names, ID numbers, states and exposures are people's data: the tooltip is HTML, so every value in
   it goes through echarts.format.encodeHTML (a person imported as "<img src=x onerror=…>" shows as
   that text). */
(function () {
  "use strict";
  var source = document.getElementById("cluster-graph-data");
  var el = document.getElementById("cluster-graph");
  if (!source || !el) { return; }
  var data = JSON.parse(source.textContent);
  var esc = echarts.format.encodeHTML;
  var categories = data.categories.map(function (c) { return { name: c.name, itemStyle: { color: c.colour } }; });
  var count = data.nodes.length, small = count < 60;
  var nodes = data.nodes.map(function (n) {
    return Object.assign({}, n, {
      symbolSize: small ? n.symbolSize * 1.5 : n.symbolSize,
      label: { show: n.symbolSize > 12 || small, position: "right" },
      itemStyle: n.isIndex ? { borderColor: "#000", borderWidth: 2 } : undefined,
      cursor: n.url ? "pointer" : "default"
    });
  });
  var links = data.links.map(function (l) {
    return Object.assign({}, l, { lineStyle: { type: l.secondary ? "dashed" : "solid", opacity: 0.7 } });
  });
  function tooltip(p) {
    var d = p.data || {};
    if (p.dataType === "edge") { return esc(String(d.exposure)) + " · " + esc(String(d.last)); }
    return esc(String(d.name)) + (d.idMasked ? " " + esc(String(d.idMasked)) : "") + "<br>" + esc(String(d.state));
  }
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { formatter: tooltip },
    legend: [{ data: categories.map(function (c) { return c.name; }), bottom: 0 }],
    series: [{
      type: "graph", layout: "force", roam: true, draggable: true, categories: categories,
      data: nodes, links: links, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
      force: { repulsion: count > 300 ? 30 : (small ? 400 : 100), edgeLength: count > 300 ? [20, 60] : [70, 150], gravity: 0.1 },
      emphasis: { focus: "adjacency" }, labelLayout: { hideOverlap: true }
    }]
  });
  chart.on("click", function (p) { if (p.dataType === "node" && p.data.url) { window.location.href = p.data.url; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
