/* Patrol tracks (lines with their times) and the command room (last positions, refreshed every
   30 s) on a Leaflet map over the grids; works without tiles. */
(function () {
  "use strict";
  var el = document.getElementById("fq-field-map");
  if (!el || !window.L) return;
  var d = el.dataset;
  var map = L.map(el, { preferCanvas: true }).setView([38.47, 106.23], 13);
  if (d.tileUrl) L.tileLayer(d.tileUrl, { maxZoom: 19 }).addTo(map);
  else el.classList.add("fq-map-no-tiles");
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var bounds = null;
  fetch(d.gridsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
    var layer = L.geoJSON(geo, {
      style: function (f) {
        return f.properties.kind === "police_grid"
          ? { color: f.properties.colour, weight: 2, fill: false }
          : { color: f.properties.colour, weight: 1, fillOpacity: 0.08 };
      },
      interactive: false,
    }).addTo(map);
    if (!bounds && layer.getBounds().isValid()) map.fitBounds(layer.getBounds());
  });
  var colours = ["#1f4e8c", "#c1121f", "#2a9d8f", "#e76f51", "#6a4c93", "#f4a261"];
  if (d.mode === "tracks") {
    var lines = JSON.parse(document.getElementById("fq-tracks").textContent);
    var group = L.featureGroup();
    lines.forEach(function (line, i) {
      var colour = colours[i % colours.length];
      L.polyline(line.points, { color: colour, weight: 4, opacity: 0.85 })
        .bindTooltip(esc(line.officer) + " " + esc(line.start) + "–" + esc(line.end), { sticky: true })
        .addTo(group);
      L.circleMarker(line.points[0], { radius: 5, color: colour, fillOpacity: 1 }).bindTooltip(esc(line.start)).addTo(group);
    });
    group.addTo(map);
    if (lines.length) { bounds = group.getBounds(); map.fitBounds(bounds, { padding: [20, 20] }); }
    return;
  }
  var markers = L.layerGroup().addTo(map);
  var list = document.getElementById("fq-command-list");
  function refresh() {
    fetch(d.positionsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      markers.clearLayers();
      list.innerHTML = "";
      data.officers.forEach(function (o) {
        L.circleMarker([o.lat, o.lng], { radius: 9, color: "#fff", weight: 2, fillColor: o.source === "track" ? "#1f4e8c" : "#2a9d8f", fillOpacity: 1 })
          .bindTooltip(esc(o.name) + " · " + esc(o.at), { permanent: true, direction: "right", className: "fq-map-label" })
          .addTo(markers);
        var li = document.createElement("li");
        li.className = "list-group-item d-flex justify-content-between";
        li.innerHTML = "<span>" + esc(o.name) + " <small class='text-body-secondary'>" + esc(o.role) + "</small></span><span>" + esc(o.at) + "</span>";
        list.appendChild(li);
      });
      if (!data.officers.length) {
        var empty = document.createElement("li");
        empty.className = "list-group-item text-body-secondary";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
      }
      document.getElementById("fq-command-count").textContent = data.officers.length;
      Object.keys(data.counts || {}).forEach(function (key) {
        var cell = document.getElementById("fq-live-" + key);
        if (cell) cell.textContent = data.counts[key];
      });
      document.getElementById("fq-command-updated").textContent = data.updated;
    });
  }
  refresh();
  setInterval(refresh, 30000);
})();
