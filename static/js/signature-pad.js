/* A small signature pad: draw with a finger, pen or mouse (pointer events) on a canvas; the
   drawing is posted as a PNG data URL in a hidden field. No library.

   Markup:
   <div data-signature-pad data-empty-message="…">
     <canvas></canvas>
     <input type="hidden" name="signature" value="">   (a value is drawn back, e.g. after an error)
     <button type="button" data-clear>…</button>
     <div data-signature-error></div>
   </div>
*/
(function () {
  "use strict";
  var EXPORT_WIDTH = 800; // px of the posted PNG: sharp on A4, far below the 500 KB limit

  function init(root) {
    var canvas = root.querySelector("canvas");
    var input = root.querySelector('input[type="hidden"]');
    var clear = root.querySelector("[data-clear]");
    var error = root.querySelector("[data-signature-error]");
    var form = root.closest("form");
    var ctx = canvas.getContext("2d");
    var strokes = []; // in CSS pixels, so a resize (rotating the phone) can redraw them
    var current = null;
    var background = null; // an image posted back after an error

    function size() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var w = canvas.clientWidth, h = canvas.clientHeight;
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      redraw();
    }

    function style() {
      ctx.lineWidth = 2.6;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
    }

    function drawStroke(points) {
      style();
      if (points.length === 1) {
        ctx.beginPath();
        ctx.arc(points[0][0], points[0][1], 1.4, 0, 2 * Math.PI);
        ctx.fillStyle = "#111";
        ctx.fill();
        return;
      }
      ctx.beginPath();
      ctx.moveTo(points[0][0], points[0][1]);
      for (var i = 1; i < points.length - 1; i++) {
        var mx = (points[i][0] + points[i + 1][0]) / 2, my = (points[i][1] + points[i + 1][1]) / 2;
        ctx.quadraticCurveTo(points[i][0], points[i][1], mx, my);
      }
      var last = points[points.length - 1];
      ctx.lineTo(last[0], last[1]);
      ctx.stroke();
    }

    function redraw() {
      var w = canvas.clientWidth, h = canvas.clientHeight;
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, w, h);
      if (background) ctx.drawImage(background, 0, 0, w, h);
      strokes.forEach(drawStroke);
    }

    function empty() {
      return !strokes.length && !background;
    }

    function point(e) {
      var r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }

    canvas.addEventListener("pointerdown", function (e) {
      if (e.button !== undefined && e.button > 0) return;
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      current = [point(e)];
      strokes.push(current);
      drawStroke(current);
      if (error) error.textContent = "";
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!current) return;
      e.preventDefault();
      var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      (events.length ? events : [e]).forEach(function (ev) { current.push(point(ev)); });
      redraw();
    });
    function end() { current = null; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);

    if (clear) {
      clear.addEventListener("click", function () {
        strokes = [];
        background = null;
        input.value = "";
        redraw();
      });
    }

    function exportPng() {
      var w = canvas.clientWidth, h = canvas.clientHeight;
      var out = document.createElement("canvas");
      out.width = EXPORT_WIDTH;
      out.height = Math.round((EXPORT_WIDTH * h) / w);
      var o = out.getContext("2d");
      o.fillStyle = "#fff";
      o.fillRect(0, 0, out.width, out.height);
      o.drawImage(canvas, 0, 0, out.width, out.height);
      return out.toDataURL("image/png");
    }

    if (form) {
      form.addEventListener("submit", function (e) {
        if (empty()) {
          e.preventDefault();
          if (error) error.textContent = root.dataset.emptyMessage || "";
          canvas.focus();
          return;
        }
        input.value = exportPng();
      });
    }

    if (input.value && input.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      img.onload = function () { background = img; redraw(); };
      img.src = input.value;
    }

    window.addEventListener("resize", size);
    size();
  }

  document.querySelectorAll("[data-signature-pad]").forEach(init);
})();
