/* Reporting an event on a phone: the location from the phone's position or a tap on a small map
   (the user's grids drawn; works without tiles), similar open events asked for (htmx) whenever the
   category or the location changes, photos previewed and downscaled before the upload. */
(function () {
  "use strict";
  var form = document.getElementById("fq-report-form");
  if (!form) return;
  var MAX_SIDE = 2000;
  var QUALITY = 0.85;

  document.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });

  function askSimilar() { document.body.dispatchEvent(new CustomEvent("fq-similar")); }
  document.querySelectorAll("input[name=category][form=fq-report-form]").forEach(function (el) {
    el.addEventListener("change", askSimilar);
  });

  // ---- where ----------------------------------------------------------------------------------
  var where = document.getElementById("fq-where");
  if (where && window.L) {
    var lat = document.getElementById("id_lat");
    var lng = document.getElementById("id_lng");
    var status = document.getElementById("fq-where-status");
    var msg = function (key) { return where.dataset["msg" + key] || ""; };
    var el = document.getElementById("fq-report-map");
    var map = L.map(el, { preferCanvas: true });
    if (where.dataset.tileUrl) L.tileLayer(where.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    else el.classList.add("fq-map-no-tiles");
    map.setView([38.47, 106.23], 13);
    var marker = null, circle = null;

    function say(text, cls) {
      status.className = "small mb-2 " + (cls || "");
      status.textContent = text;
    }
    function place(ll, accuracy, label) {
      lat.value = ll[0].toFixed(6);
      lng.value = ll[1].toFixed(6);
      if (marker) marker.setLatLng(ll);
      else marker = L.circleMarker(ll, { radius: 9, color: "#c1121f", fillColor: "#c1121f", fillOpacity: 0.8 }).addTo(map);
      if (circle) { map.removeLayer(circle); circle = null; }
      if (accuracy) circle = L.circle(ll, { radius: accuracy, color: "#c1121f", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(map);
      var text = label + ": " + lat.value + ", " + lng.value;
      if (accuracy) text += " (±" + Math.round(accuracy) + " m)";
      say(text, "text-success");
      askSimilar();
    }

    var has = lat.value && lng.value && !isNaN(parseFloat(lat.value)) && !isNaN(parseFloat(lng.value));
    fetch(where.dataset.gridsUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
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
      if (!has && fc.features.length) map.fitBounds(layer.getBounds());
    }).catch(function () { /* the map still takes a tap without its grids */ });
    if (has) {
      var ll = [parseFloat(lat.value), parseFloat(lng.value)];
      map.setView(ll, 16);
      place(ll, 0, msg("Picked"));
    }

    map.on("click", function (e) { place([e.latlng.lat, e.latlng.lng], 0, msg("Picked")); });

    var locate = document.getElementById("fq-locate");
    if (!navigator.geolocation) {
      locate.hidden = true;
    } else {
      locate.addEventListener("click", function () {
        say(msg("Locating"), "text-body-secondary");
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          locate.disabled = false;
          var ll = [pos.coords.latitude, pos.coords.longitude];
          place(ll, pos.coords.accuracy, msg("Located"));
          map.setView(ll, Math.max(map.getZoom(), 16));
        }, function (err) {
          locate.disabled = false;
          say(err && err.code === 1 ? msg("Denied") : msg("Failed"), "text-danger");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  // ---- photos: one slot after another, each previewed and made smaller before it is sent ----
  var slots = Array.prototype.slice.call(document.querySelectorAll("[data-photo-slot]"));
  slots.forEach(function (slot) { if (slot.hasAttribute("data-later")) slot.classList.add("d-none"); });
  var pending = 0;

  function downscale(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.DataTransfer) return Promise.resolve(file);
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var w = img.naturalWidth, h = img.naturalHeight;
        var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
        if (scale === 1 && file.size < 1.5 * 1024 * 1024) { URL.revokeObjectURL(url); resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", QUALITY);
      };
      // Not decodable here: send it as it is, the server's checks decide.
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  slots.forEach(function (slot, i) {
    var input = slot.querySelector("input[type=file]");
    var preview = slot.querySelector("img");
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = !file;
      if (!file) return;
      preview.src = URL.createObjectURL(file);
      if (slots[i + 1]) slots[i + 1].classList.remove("d-none");
      pending += 1;
      downscale(file).then(function (smaller) {
        if (smaller !== file) {
          var dt = new DataTransfer();
          dt.items.add(smaller);
          input.files = dt.files;
        }
      }).finally(function () { pending -= 1; });
    });
  });

  // Submitting waits for photos still being made smaller; a second tap does not file it twice.
  var submitting = false;
  var button = document.getElementById("fq-report-submit");
  window.addEventListener("pageshow", function () { submitting = false; if (button) button.disabled = false; });
  form.addEventListener("submit", function (e) {
    if (submitting) { e.preventDefault(); return; }
    if (button) setTimeout(function () { button.disabled = true; }, 0);
    if (pending === 0) { submitting = true; return; }
    e.preventDefault();
    submitting = true;
    var tries = 0;
    (function wait() {
      if (pending === 0 || tries++ > 50) { form.submit(); return; }
      setTimeout(wait, 200);
    })();
  });
})();
