/* The ledger's charts (Chart.js, vendored). Data comes from the json_script "fq-dispute-charts";
   each <canvas data-chart="key"> names its series; data-label, data-count-label and
   data-horizontal say how to draw it. A missing rate (no final outcome yet) is a gap, not 0 %. */
(function () {
  "use strict";
  var source = document.getElementById("fq-dispute-charts");
  if (!source || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var blue = "#1f4e8c";

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var series = data[canvas.dataset.chart];
    if (!series || !series.labels.length) {
      canvas.parentElement.classList.add("d-none");
      return;
    }
    var isRate = canvas.dataset.kind === "rate";
    var horizontal = canvas.dataset.horizontal === "1";
    var valueAxis = {
      beginAtZero: true,
      ticks: { callback: function (v) { return isRate ? v + " %" : v; } },
    };
    if (isRate) valueAxis.max = 100;
    var scales = horizontal ? { x: valueAxis, y: { ticks: { autoSkip: false } } } : { y: valueAxis };
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{ label: canvas.dataset.label, data: series.values, backgroundColor: blue, maxBarThickness: 36 }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.raw === null ? "—" : ctx.raw + (isRate ? " %" : "");
                var n = series.counts[ctx.dataIndex];
                return canvas.dataset.label + ": " + v + (n === null || n === undefined ? "" : " (" + n + " " + canvas.dataset.countLabel + ")");
              },
            },
          },
        },
      },
    });
  });
})();
