// Charts of the officials' figures page (templates/complaints/figures/page.html), drawn with the platform's one
// chart library, Apache ECharts, served from static/vendor/echarts. The data comes from the json_script block
// #figures-data; every chart has its table beneath, so the page reads without this script. No inline script (CSP).
"use strict";

(function () {
  function draw() {
    var block = document.getElementById("figures-data");
    if (!block || typeof echarts === "undefined") {
      return;
    }
    var data = JSON.parse(block.textContent);
    var percent = {
      type: "value",
      min: 0,
      max: 100,
      axisLabel: { formatter: "{value}%" },
    };
    var charts = [];

    var trendEl = document.getElementById("trend-chart");
    if (trendEl) {
      var trend = echarts.init(trendEl);
      trend.setOption({
        animation: false,
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2) + "%"; } },
        legend: { top: 0 },
        grid: { left: 48, right: 24, top: 40, bottom: 32 },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: percent,
        series: data.trend.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6 };
        }),
      });
      charts.push(trend);
    }

    var rankEl = document.getElementById("ranking-chart");
    if (rankEl) {
      var ranking = echarts.init(rankEl);
      ranking.setOption({
        animation: false,
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(2) + "%"; } },
        grid: { left: 140, right: 72, top: 16, bottom: 32 },
        xAxis: percent,
        yAxis: { type: "category", inverse: true, data: data.ranking.names },
        series: [{ name: data.ranking.label, type: "bar", data: data.ranking.values, label: { show: true, position: "right", formatter: function (p) { return p.value === null || p.value === undefined ? "—" : p.value.toFixed(2) + "%"; } } }],
      });
      charts.push(ranking);
    }

    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
