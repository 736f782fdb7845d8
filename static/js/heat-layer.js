/* The incident heat layer, shared by the heat-map page (incidents-map.js) and the grid map
 * (grid-map.js): a Leaflet.heat layer of the server's pre-aggregated cells
 * (incidents:heat_cells), refetched with the filters of a form (category, start, end).
 *
 *   var heat = FQHeat.create(map, cellsUrl);   // heat.layer: add it to the map and/or a layer control
 *   heat.load(FQHeat.query(form)).then(function (data) { … FQHeat.summary(template, data) … });
 */
(function () {
  "use strict";
  if (!window.L || !L.heatLayer) return;

  // The query parameters incidents:heat_cells reads (as incidents/map/ does); empty ones are left out.
  var PARAMS = ["category", "start", "end"];

  function query(form) {
    var p = new URLSearchParams();
    PARAMS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) p.set(name, field.value);
    });
    return p.toString();
  }

  // "%(total)s incidents in %(cells)s cells of %(metres)s m", translated by the page.
  function summary(template, data) {
    return template
      .replace("%(total)s", data.total)
      .replace("%(cells)s", data.cells.length)
      .replace("%(metres)s", Math.round(data.cell_deg * 111000));
  }

  function create(map, url) {
    // maxZoom 0: the weights are counts already summed on the server, so no fading by zoom level.
    var heat = L.heatLayer([], { radius: 20, blur: 15, maxZoom: 0, minOpacity: 0.25 });
    // The layer control disables a layer whose maxZoom is below the map's zoom: it toggles this
    // group, which has no zoom limits, instead of the heat layer itself.
    var layer = L.layerGroup([heat]);
    var cellDeg = 0.002;

    // A cell's radius follows its size on screen.
    function radiusFor(zoom) {
      var a = map.project([0, 0], zoom), b = map.project([cellDeg, cellDeg], zoom);
      return Math.max(10, Math.min(40, Math.abs(b.x - a.x)));
    }
    map.on("zoomend", function () { heat.setOptions({ radius: radiusFor(map.getZoom()), blur: 15 }); });

    function load(q) {
      return fetch(url + (q ? "?" + q : ""), { credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (data) {
          // The cells come heaviest first. Saturate at the 97th percentile, so that the few busiest
          // cells do not wash out the rest.
          var weights = data.cells.map(function (c) { return c[2]; });
          var cap = weights.length ? weights[Math.floor(weights.length * 0.03)] : 1;
          cellDeg = data.cell_deg || 0.002;
          heat.setOptions({ max: Math.max(cap, 1), radius: radiusFor(map.getZoom()) });
          heat.setLatLngs(data.cells);
          return data;
        });
    }

    return { layer: layer, load: load };
  }

  window.FQHeat = { create: create, query: query, summary: summary };
})();
