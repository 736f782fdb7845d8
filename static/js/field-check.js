/* Check in / check out: ask the phone for its position, fill the hidden fields, then submit.
   Without a position the form is not sent and the reason is shown. */
(function () {
  "use strict";
  var form = document.querySelector("[data-geo-form]");
  if (!form) return;
  var status = form.querySelector("[data-geo-status]");
  var sending = false;
  form.addEventListener("submit", function (e) {
    if (sending) return;
    e.preventDefault();
    if (!navigator.geolocation) {
      status.textContent = form.dataset.geoError;
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude;
        form.elements.lng.value = pos.coords.longitude;
        form.elements.accuracy.value = Math.round(pos.coords.accuracy || 0);
        sending = true;
        form.submit();
      },
      function () {
        button.disabled = false;
        status.textContent = form.dataset.geoError;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
