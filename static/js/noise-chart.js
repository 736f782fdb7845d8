/* A sensor's last 24 hours (Chart.js, vendored): 1-minute LAeq and the limit in force (day or
   night, a step line). Data from the json_script "fq-noise-chart": labels, values (null where no
   reading came: a gap), limit. */
(function () {
  "use strict";
  var source = document.getElementById("fq-noise-chart");
  var canvas = document.getElementById("fq-noise-canvas");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: canvas.dataset.label, data: data.values, borderColor: "#1f4e8c", borderWidth: 1, pointRadius: 0, spanGaps: false },
        { label: canvas.dataset.limitLabel, data: data.limit, borderColor: "#c1121f", borderWidth: 2, borderDash: [6, 4], pointRadius: 0, stepped: true },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { maxTicksLimit: 8, maxRotation: 0 } },
        y: { suggestedMin: 30, suggestedMax: 80, title: { display: true, text: "dB(A)" } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
