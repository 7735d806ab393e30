// The chart of a compound's income and expense by month and category (templates/disclosure/compound.html),
// drawn with the platform's one chart library, Apache ECharts, served from static/vendor/echarts. Data from the
// json_script block #disclosure-data; the list beneath reads without this script. No inline script (CSP).
"use strict";

(function () {
  function draw() {
    var block = document.getElementById("disclosure-data");
    var el = document.getElementById("disclosure-chart");
    if (!block || !el || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2); } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: 12, top: 48, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: s.stack, data: s.data };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
