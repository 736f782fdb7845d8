/* A small map for one building (read-only) or for picking a building's point on a form. */
(function () {
  "use strict";
  if (!window.L) return;
  function base(el) {
    var map = L.map(el, { preferCanvas: true });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    else el.classList.add("fq-map-no-tiles");
    return map;
  }
  function grids(map, url, fit) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return f.properties.kind === "police_grid"
            ? { color: f.properties.colour, weight: 3, fill: false, interactive: false }
            : { color: f.properties.colour, weight: 1, fillColor: f.properties.colour, fillOpacity: 0.15 };
        },
        onEachFeature: function (f, l) {
          if (f.properties.kind === "community_grid") l.bindTooltip(document.createTextNode(f.properties.name), { className: "fq-grid-label" });  // a name is text, never HTML
        },
      }).addTo(map);
      if (fit && fc.features.length) map.fitBounds(layer.getBounds());
      return layer;
    });
  }

  var show = document.getElementById("fq-point-map");
  if (show) {
    var ll = [parseFloat(show.dataset.lat), parseFloat(show.dataset.lng)];
    var m = base(show).setView(ll, 17);
    grids(m, show.dataset.gridsUrl, false);
    L.circleMarker(ll, { radius: 8, color: "#c1121f", fillColor: "#c1121f", fillOpacity: 0.8 }).addTo(m);
  }

  var pick = document.getElementById("fq-pick-map");
  if (pick) {
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    var map = base(pick).setView([38.47, 106.23], 13);
    var marker = null;
    function place(latlng, pan) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.circleMarker(latlng, { radius: 9, color: "#c1121f", fillColor: "#c1121f", fillOpacity: 0.8 }).addTo(map);
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
    }
    var has = lat.value && lng.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lng.value));
    grids(map, pick.dataset.gridsUrl, !has).then(function () {
      if (has) place([parseFloat(lat.value), parseFloat(lng.value)], true);
    });
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lng.value = e.latlng.lng.toFixed(6);
      place(e.latlng, false);
    });
    var locate = document.getElementById("fq-locate");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          lat.value = pos.coords.latitude.toFixed(6);
          lng.value = pos.coords.longitude.toFixed(6);
          place([pos.coords.latitude, pos.coords.longitude], true);
        });
      });
    } else if (locate) {
      locate.hidden = true;
    }
  }
})();
