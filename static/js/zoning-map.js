/* 风险区域地图 (zoning/map.html): Leaflet draws /zoning/map.json — the district outlines (approximate
   boxes), the buildings and compounds of the risk areas in force, coloured by the class that applies
   there, and, for those who may see cases, the buildings where active cases live (counts only).
   No tile layer unless the page carries one (data-tiles, from FANGKONG_MAP_TILE_URL): offline, the
   outlines and places stand on a plain background.
   Place and area names are people's input: every popup, tooltip and legend entry is built with DOM
   nodes and textContent, never HTML strings, so a name such as "<img src=x onerror=…>" shows as text. */
(function () {
  "use strict";
  var el = document.getElementById("zoning-map");
  var labelsEl = document.getElementById("zoning-map-labels");
  if (!el || !labelsEl || typeof L === "undefined") { return; }
  var labels = JSON.parse(labelsEl.textContent);
  var COLOURS = { sealed: "#dc3545", controlled: "#fd7e14", precaution: "#e0a800" };
  var CASE_COLOUR = "#6f42c1";

  function colour(level) { return COLOURS[level] || "#6c757d"; }
  function say(template, n) { return String(template).replace("{n}", String(n)); }
  function node(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function line(parent, label, value) {
    var row = node("div");
    if (label) { row.appendChild(node("span", "text-muted", label + "：")); }
    row.appendChild(document.createTextNode(String(value)));
    parent.appendChild(row);
  }

  function areaPopup(p) {
    var box = node("div", "fk-map-popup");
    box.appendChild(node("strong", null, p.place));
    line(box, labels.level, p.level_label);
    if (p.areas && p.areas.length) { line(box, labels.areas, p.areas.join("、")); }
    if (p.places && p.places.length && !(p.places.length === 1 && p.places[0] === p.place)) {
      line(box, labels.places, p.places.join("、"));
    }
    return box;
  }

  function casePopup(c) {
    var box = node("div", "fk-map-popup");
    box.appendChild(node("strong", null, c.place));
    line(box, "", say(labels.caseCount, c.count));
    return box;
  }

  function legend(data) {
    var holder = document.getElementById("zoning-map-legend");
    if (!holder) { return; }
    holder.textContent = "";
    data.levels.forEach(function (level) {
      var item = node("span");
      item.setAttribute("data-level", level.code);
      var swatch = node("span", "fk-swatch");
      swatch.style.background = colour(level.code);
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(level.label));
      holder.appendChild(item);
    });
    if (data.cases) {
      var cases = node("span");
      cases.setAttribute("data-level", "cases");
      var dot = node("span", "fk-swatch");
      dot.style.background = CASE_COLOUR;
      cases.appendChild(dot);
      cases.appendChild(document.createTextNode(labels.cases));
      holder.appendChild(cases);
    }
    var outline = node("span");
    outline.appendChild(node("span", "fk-swatch fk-swatch-box"));
    outline.appendChild(document.createTextNode(labels.district));
    holder.appendChild(outline);
  }

  function summary(data) {
    var parts = [say(labels.summary, data.areas.length)];
    if (data.unplaced.length) { parts.push(say(labels.unplaced, data.unplaced.length)); }
    if (data.cases) { parts.push(say(labels.caseSummary, data.cases.length)); }
    var s = document.getElementById("zoning-map-summary");
    if (s) { s.textContent = parts.join(" · "); }
    var unplaced = document.getElementById("zoning-map-unplaced");
    if (unplaced && data.unplaced.length) {
      var list = unplaced.querySelector("ul");
      data.unplaced.forEach(function (p) {
        list.appendChild(node("li", null, p.place + " · " + p.level_label + (p.areas.length ? " · " + p.areas.join("、") : "")));
      });
      unplaced.hidden = false;
    }
  }

  function draw(data) {
    var many = data.areas.length + (data.cases ? data.cases.length : 0) > 1500;
    var map = L.map(el, { preferCanvas: many, zoomSnap: 0.25, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) {
      // Leaflet writes an attribution as HTML: the operator's line goes in escaped, as text.
      var attribution = String(el.dataset.attribution || "").replace(/[&<>"']/g, function (ch) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
      });
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: attribution }).addTo(map);
    }
    var outlines = [];
    data.districts.forEach(function (d) {
      var box = [[d.box[0], d.box[1]], [d.box[2], d.box[3]]];
      var whole = !!d.level;
      L.rectangle(box, {
        className: "fk-map-district", color: whole ? colour(d.level) : "#6c757d", weight: whole ? 2 : 1,
        dashArray: whole ? null : "4 4", fill: whole, fillColor: whole ? colour(d.level) : null, fillOpacity: 0.12,
        interactive: false
      }).addTo(map);
      var tip = node("span", null, d.name + (whole ? " · " + labels.districtWhole : ""));
      // The name at the outline's north-west corner, clear of the places inside.
      L.tooltip({ permanent: true, direction: "right", offset: [0, 10], className: "fk-map-district-label" })
        .setLatLng([d.box[2], d.box[1]]).setContent(tip).addTo(map);
      outlines.push({ bounds: L.latLngBounds(box), whole: whole });
    });
    var placed = L.latLngBounds([]);
    data.areas.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], {
        className: "fk-map-area fk-map-area-" + p.level, radius: p.kind === "compound" ? 9 : 6,
        color: "#fff", weight: 1, fillColor: colour(p.level), fillOpacity: 0.9
      }).addTo(map);
      marker.bindTooltip(node("span", null, p.place + " · " + p.level_label));
      marker.bindPopup(function () { return areaPopup(p); });
      placed.extend([p.lat, p.lon]);
    });
    (data.cases || []).forEach(function (c) {
      if (c.lat === null || c.lon === null) { return; }
      var marker = L.circleMarker([c.lat, c.lon], {
        className: "fk-map-case", radius: 4 + Math.min(8, Math.sqrt(c.count) * 2),
        color: CASE_COLOUR, weight: 2, fillColor: CASE_COLOUR, fillOpacity: 0.15
      }).addTo(map);
      marker.bindTooltip(node("span", null, c.place + " · " + say(labels.caseCount, c.count)));
      marker.bindPopup(function () { return casePopup(c); });
      placed.extend([c.lat, c.lon]);
    });
    // The view: the outlines of the districts where something is drawn, and the places (every outline
    // when nothing is).
    var view = L.latLngBounds([]);
    outlines.forEach(function (o) {
      var used = o.whole || data.areas.concat(data.cases || []).some(function (p) {
        return p.lat !== null && p.lon !== null && o.bounds.contains([p.lat, p.lon]);
      });
      if (used || !placed.isValid()) { view.extend(o.bounds); }
    });
    if (placed.isValid()) { view.extend(placed); }
    if (view.isValid()) { map.fitBounds(view.pad(0.05), { maxZoom: 16 }); } else { map.setView([40.82, 111.7], 10); }
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { map.invalidateSize(); });
  }

  fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (data) { legend(data); summary(data); draw(data); })
    .catch(function () {
      var s = document.getElementById("zoning-map-summary");
      if (s) { s.textContent = labels.failed; s.className = "small text-danger mb-2"; }
    });
})();
