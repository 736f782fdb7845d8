/* Hotspots page: incidents per category in the chosen period next to the same period a year
   before (Chart.js, vendored). Data from the json_script "fq-incident-chart". */
(function () {
  "use strict";
  var source = document.getElementById("fq-incident-chart");
  var canvas = document.getElementById("fq-incident-yoy");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.label_now, data: data.now, backgroundColor: "#1f4e8c", maxBarThickness: 36 },
        { label: data.label_before, data: data.before, backgroundColor: "#9db4d3", maxBarThickness: 36 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    },
  });
})();
