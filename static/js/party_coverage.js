// Chart of the officials' party-coverage page (templates/partybuilding/coverage.html), drawn with the platform's
// one chart library, Apache ECharts, served from static/vendor/echarts. The data comes from the json_script block
// #coverage-data; the chart has its table beneath, so the page reads without this script. No inline script (CSP).
"use strict";

(function () {
  function percent(v) {
    return v === null || v === undefined ? "—" : v.toFixed(2) + "%";
  }

  function draw() {
    var block = document.getElementById("coverage-data");
    var el = document.getElementById("coverage-chart");
    if (!block || !el || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: percent },
      legend: { top: 0 },
      grid: { left: 48, right: 24, top: 48, bottom: 32 },
      xAxis: { type: "category", data: data.names },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data };
      }),
    });
    window.addEventListener("resize", function () {
      chart.resize();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
