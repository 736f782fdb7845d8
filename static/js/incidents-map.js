/* The incident heat map: the user's grids (from grid:grids_geojson, as on the grid map) under the
 * incident heat layer (heat-layer.js: the server's pre-aggregated cells from incidents:heat_cells).
 * The filters reload the cells without reloading the page; the URL keeps them, so a link shows the
 * same map. */
(function () {
  "use strict";
  var el = document.getElementById("fq-map");
  if (!el || !window.L || !window.FQHeat) return;
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
  var heat = FQHeat.create(map, d.cellsUrl);
  policeLayer.addTo(map);
  communityLayer.addTo(map);
  heat.layer.addTo(map);
  var overlays = {};
  overlays[d.labelPolice] = policeLayer;
  overlays[d.labelCommunity] = communityLayer;
  overlays[d.labelHeat] = heat.layer;
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  function loadCells() {
    el.dataset.loaded = "grids";
    return heat.load(FQHeat.query(form)).then(function (data) {
      summary.textContent = FQHeat.summary(d.labelSummary, data);
      el.dataset.loaded = "all";
      el.dataset.cellCount = data.cells.length;
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var query = FQHeat.query(form);
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
