/* The supervisors' dashboard: draws the charts from the figures the page carries (json_script).
 * Chart.js is vendored (static/vendor/chartjs-4.6.2); the tables beside the charts carry the same
 * numbers for screen readers and for printing. */
(function () {
  "use strict";

  function data(id) { var node = document.getElementById(id); return node ? JSON.parse(node.textContent) : null; }

  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    var palette = ["#1f5f7a", "#b00020", "#0b6e4f", "#8a5300", "#5b3f8c", "#555555"];
    Chart.defaults.color = css("--body-fg") || "#333";
    Chart.defaults.borderColor = css("--hairline-color") || "#ddd";
    Chart.defaults.animation = false;

    var perDay = data("data-per-day");
    if (perDay) {
      new Chart(document.getElementById("chart-per-day"), {
        type: "bar",
        data: {
          labels: perDay.days,
          datasets: perDay.series.map(function (s, i) { return { label: s.label, data: s.data, backgroundColor: palette[i % palette.length] }; })
        },
        options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    [["data-status", "chart-status"], ["data-country", "chart-country"]].forEach(function (pair) {
      var figures = data(pair[0]);
      if (!figures) { return; }
      new Chart(document.getElementById(pair[1]), {
        type: "bar",
        data: { labels: figures.labels, datasets: [{ data: figures.data, backgroundColor: palette[0] }] },
        options: { indexAxis: "y", responsive: true, plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    });
  });
})();
