/* The topics ledger's chart (Chart.js, vendored): closure rate per grid, and the share closed by
   the due date, from the json_script "fq-topic-chart". A grid with nothing raised is a gap, not 0 %. */
(function () {
  "use strict";
  var source = document.getElementById("fq-topic-chart");
  var canvas = document.getElementById("fq-topic-rates");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  if (!data.labels.length) {
    canvas.parentElement.parentElement.parentElement.classList.add("d-none");
    return;
  }
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        { label: data.rate_label, data: data.rate, backgroundColor: "#1f4e8c", maxBarThickness: 36 },
        { label: data.on_time_label, data: data.on_time, backgroundColor: "#5fa55a", maxBarThickness: 36 },
      ],
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (ctx) {
              return ctx.dataset.label + ": " + (ctx.raw === null ? "—" : ctx.raw + " %");
            },
          },
        },
      },
    },
  });
})();
