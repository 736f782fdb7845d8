/* The incident heat map: the user's grids (from grid:grids_geojson, as on the grid map) under a
 * Leaflet.heat layer of the server's pre-aggregated cells (incidents:heat_cells). The filters
 * reload the cells without reloading the page; the URL keeps them, so a link shows the same map. */
(function () {
  "use strict";
  var el = document.getElementById("fq-map");
  if (!el || !window.L || !L.heatLayer) return;
  var d = el.dataset;
  var status = document.getElementById("fq-map-status");
  var summary = document.getElementById("fq-heat-summary");
  var form = document.getElementById("fq-heat-filters");
  var map = L.map(el, { zoomControl: true, zoomSnap: 0.25 }).setView([38.47, 106.23], 13);
  if (d.tileUrl) {
    L.tileLayer(d.tileUrl, { maxZoom: 19, attribution: d.tileAttribution || "" }).addTo(map);
  } else {
    el.classList.add("fq-map-no-tiles");
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var policeLayer = L.geoJSON(null, {
    filter: function (f) { return f.properties.kind === "police_grid"; },
    style: function (f) { return { color: f.properties.colour, weight: 3, fill: false }; },
    interactive: false,
  });
  var communityLayer = L.geoJSON(null, {
    filter: function (f) { return f.properties.kind === "community_grid"; },
    style: function (f) {
      return { color: f.properties.colour, weight: 1, fillColor: f.properties.colour, fillOpacity: 0.08 };
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(esc(f.properties.name), { permanent: true, direction: "center", className: "fq-grid-label" });
    },
    interactive: false,
  });
  // maxZoom 0: the weights are counts already summed on the server, so no fading by zoom level.
  var heat = L.heatLayer([], { radius: 20, blur: 15, maxZoom: 0, minOpacity: 0.25 });
  policeLayer.addTo(map);
  communityLayer.addTo(map);
  heat.addTo(map);
  var overlays = {};
  overlays[d.labelPolice] = policeLayer;
  overlays[d.labelCommunity] = communityLayer;
  overlays[d.labelHeat] = heat;
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  var cellDeg = 0.002;
  function radiusFor(zoom) {
    var a = map.project([0, 0], zoom), b = map.project([cellDeg, cellDeg], zoom);
    return Math.max(10, Math.min(40, Math.abs(b.x - a.x)));
  }
  map.on("zoomend", function () { heat.setOptions({ radius: radiusFor(map.getZoom()), blur: 15 }); });

  function params() {
    var p = new URLSearchParams();
    ["category", "start", "end"].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) p.set(name, v);
    });
    return p.toString();
  }

  function loadCells() {
    var query = params();
    el.dataset.loaded = "grids";
    return fetch(d.cellsUrl + (query ? "?" + query : ""), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        // The cells come heaviest first. Saturate at the 97th percentile, so that the few busiest
        // cells do not wash out the rest; a cell's radius follows its size on screen.
        var weights = data.cells.map(function (c) { return c[2]; });
        var cap = weights.length ? weights[Math.floor(weights.length * 0.03)] : 1;
        cellDeg = data.cell_deg || 0.002;
        heat.setOptions({ max: Math.max(cap, 1), radius: radiusFor(map.getZoom()) });
        heat.setLatLngs(data.cells);
        summary.textContent = d.labelSummary
          .replace("%(total)s", data.total)
          .replace("%(cells)s", data.cells.length)
          .replace("%(metres)s", Math.round(data.cell_deg * 111000));
        el.dataset.loaded = "all";
        el.dataset.cellCount = data.cells.length;
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var query = params();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
    loadCells().catch(function () { status.textContent = "⚠"; });
  });

  fetch(d.gridsUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      policeLayer.addData(fc);
      communityLayer.addData(fc);
      if (!fc.features.length) {
        status.textContent = d.labelEmpty;
      } else {
        map.fitBounds(communityLayer.getBounds().pad(0.05));
      }
      // A hotspot link (#lat,lng) centres on its cell.
      var m = /^#(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(location.hash);
      if (m) map.setView([parseFloat(m[1]), parseFloat(m[2])], 17);
      return loadCells();
    })
    .catch(function () { status.textContent = "⚠"; });
})();
