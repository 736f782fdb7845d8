/* The KPI pages' charts (Chart.js, vendored). Data from json_script elements:
   "fq-kpi-trend-data" → the last 12 months ({labels, series: [{label, data, hours}], hours_axis}:
   counts on the left axis, hours on the right) drawn on canvas#fq-kpi-trend;
   "fq-kpi-yoy-data" → incidents per category this period and a year before
   ({labels, now, before, label_now, label_before}) drawn on canvas#fq-kpi-yoy. */
(function () {
  "use strict";
  if (!window.Chart) return;
  var colours = ["#1f4e8c", "#5fa55a", "#c1121f", "#6f42c1"];
  var hoursColour = "#f08a24";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var trend = read("fq-kpi-trend-data");
  var trendCanvas = document.getElementById("fq-kpi-trend");
  if (trend && trendCanvas) {
    new window.Chart(trendCanvas, {
      type: "line",
      data: {
        labels: trend.labels,
        datasets: trend.series.map(function (s, i) {
          var colour = s.hours ? hoursColour : colours[i % colours.length];
          return {
            label: s.label,
            data: s.data,
            yAxisID: s.hours ? "hours" : "y",
            borderColor: colour,
            backgroundColor: colour,
            tension: 0.2,
            pointRadius: 3,
          };
        }),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          hours: {
            beginAtZero: true,
            position: "right",
            grid: { drawOnChartArea: false },
            title: { display: true, text: trend.hours_axis },
          },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  var yoy = read("fq-kpi-yoy-data");
  var yoyCanvas = document.getElementById("fq-kpi-yoy");
  if (yoy && yoyCanvas) {
    new window.Chart(yoyCanvas, {
      type: "bar",
      data: {
        labels: yoy.labels,
        datasets: [
          { label: yoy.label_now, data: yoy.now, backgroundColor: "#1f4e8c", maxBarThickness: 36 },
          { label: yoy.label_before, data: yoy.before, backgroundColor: "#9db4d3", maxBarThickness: 36 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
})();
