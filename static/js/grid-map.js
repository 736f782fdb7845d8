/* The grid map: police grids and community grids as coloured, labelled polygons, buildings as
 * canvas circle markers (fast with thousands), and for police staff the incident heat layer
 * (heat-layer.js) with its filters. Works with no tile server: the polygons are drawn on a plain
 * background, which is what police networks without a tile server see. */
(function () {
  "use strict";
  var el = document.getElementById("fq-map");
  if (!el || !window.L) return;
  var d = el.dataset;
  var status = document.getElementById("fq-map-status");
  var map = L.map(el, { preferCanvas: true, zoomControl: true, zoomSnap: 0.25 }).setView([38.47, 106.23], 13);
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
      return { color: f.properties.colour, weight: 1, fillColor: f.properties.colour, fillOpacity: 0.18 };
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      // Interactive: tapping the grid's name opens the grid, whatever markers lie under the label.
      layer.bindTooltip(esc(p.name), { permanent: true, interactive: true, direction: "center", className: "fq-grid-label" });
      layer.bindPopup(
        "<strong>" + esc(p.name) + "</strong><br>" + esc(d.labelWorker) + ": " + esc(p.grid_worker || "—") +
        '<br><a href="' + esc(p.url) + '">' + esc(d.labelOpen) + "</a>"
      );
    },
  });
  var buildingLayer = L.layerGroup();

  policeLayer.addTo(map);
  communityLayer.addTo(map);
  buildingLayer.addTo(map);
  var overlays = {};
  overlays[d.labelPolice] = policeLayer;
  overlays[d.labelCommunity] = communityLayer;
  overlays[d.labelBuildings] = buildingLayer;
  // Police staff also get the incident heat layer: the page renders its config and filter control
  // only for them, so everyone else's map never loads the heat scripts nor asks an incident URL.
  var heatConfig = document.getElementById("fq-heat-config");
  var heatBox = document.getElementById("fq-heat-control");
  if (heatConfig && heatBox && window.FQHeat) {
    addHeat(JSON.parse(heatConfig.textContent), heatBox);
  }
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  // The heat layer is off by default. Switched on in the layer control, it shows its filter control
  // (a dropdown under the layer control) and loads the cells once; the filters reload them.
  function addHeat(config, box) {
    var form = box.querySelector("form");
    var total = box.querySelector(".fq-heat-total");
    var summary = box.querySelector(".fq-heat-summary");
    var toggle = box.querySelector("[data-bs-toggle=dropdown]");
    config.categories.forEach(function (c) { form.elements.category.add(new Option(c[1], c[0])); });
    form.elements.start.value = config.start;
    form.elements.end.value = config.end;

    var heat = FQHeat.create(map, config.cells_url);
    overlays[box.dataset.labelLayer] = heat.layer;
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.hidden = false;
      return box;
    };

    var loaded = false;
    function load() {
      el.dataset.heat = "loading";
      return heat.load(FQHeat.query(form))
        .then(function (data) {
          summary.textContent = FQHeat.summary(box.dataset.labelSummary, data);
          total.textContent = data.total;
          total.hidden = false;
          el.dataset.heat = "loaded";
          el.dataset.heatCellCount = data.cells.length;
        })
        .catch(function () { status.textContent = "⚠"; });
    }

    map.on("overlayadd", function (e) {
      if (e.layer !== heat.layer) return;
      control.addTo(map);
      if (!loaded) {
        loaded = true;
        load();
      }
    });
    map.on("overlayremove", function (e) {
      if (e.layer !== heat.layer) return;
      if (window.bootstrap) bootstrap.Dropdown.getOrCreateInstance(toggle).hide();
      control.remove();
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      // Close the filters, so that a phone shows the map again.
      if (window.bootstrap) bootstrap.Dropdown.getOrCreateInstance(toggle).hide();
      load();
    });
  }

  // Buildings: all of the user's at once when they are few; beyond the server's limit it says
  // "truncated", and then each view's buildings are asked for as the map moves (a city's
  // hundred thousand never come at once).
  var inView = false;
  var pending = null;
  function loadBuildings(bounds) {
    var url = d.buildingsUrl;
    if (bounds) {
      url += "?bbox=" + [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
        .map(function (v) { return v.toFixed(5); }).join(",");
    }
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (bc) {
        buildingLayer.clearLayers();
        bc.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          L.circleMarker([c[1], c[0]], { radius: 4, weight: 1, color: "#123", fillColor: "#fff", fillOpacity: 0.9 })
            .bindPopup('<a href="' + esc(f.properties.url) + '">' + esc(f.properties.address) + "</a>")
            .addTo(buildingLayer);
        });
        status.textContent = bc.truncated ? d.labelTruncated : "";
        if (bc.truncated && !inView) {
          inView = true;
          map.on("moveend", function () {
            clearTimeout(pending);
            pending = setTimeout(function () { loadBuildings(map.getBounds()); }, 250);
          });
        }
        el.dataset.loaded = "all";
        el.dataset.buildingCount = bc.features.length;
        el.dataset.buildingsTruncated = bc.truncated ? "1" : "";
      });
  }

  fetch(d.gridsUrl, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (fc) {
      policeLayer.addData(fc);
      communityLayer.addData(fc);
      if (!fc.features.length) {
        status.textContent = d.labelEmpty;
        return;
      }
      map.fitBounds(communityLayer.getBounds().pad(0.05));
      el.dataset.loaded = "grids";
      return loadBuildings(null);
    })
    .catch(function () { status.textContent = "⚠"; });
})();
