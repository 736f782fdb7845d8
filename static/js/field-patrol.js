/* While a patrol runs: read the position every 30 s and post the points (kept while offline,
   sent when the network is back). */
(function () {
  "use strict";
  var el = document.getElementById("fq-patrol");
  if (!el || !navigator.geolocation) return;
  var queue = [];
  var sent = 0;
  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function flush() {
    if (!queue.length) return;
    var batch = queue.slice(0, 120);
    fetch(el.dataset.trackUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ points: batch }),
    }).then(function (r) {
      if (r.ok) {
        queue.splice(0, batch.length);
        sent += batch.length;
        el.textContent = el.dataset.sentLabel + ": " + sent;
      }
    }).catch(function () { /* offline: keep the points and try again */ });
  }
  function read() {
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        queue.push({ at: new Date().toISOString(), lat: pos.coords.latitude, lng: pos.coords.longitude,
                     accuracy: Math.round(pos.coords.accuracy || 0) });
        if (queue.length > 600) queue.shift();
        flush();
      },
      function () { el.textContent = el.dataset.errorLabel; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 }
    );
  }
  read();
  setInterval(read, 30000);
})();
