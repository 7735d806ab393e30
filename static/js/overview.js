// Charts and the map of the officials' overview (templates/overview/), drawn with the platform's one chart
// library, Apache ECharts, served from static/vendor/echarts; district boundaries from the pinned GeoJSON in
// static/geo/ (no tile server, nothing from outside). Data comes from json_script blocks; every chart has its
// table on the page, so the page reads without this script. No inline script (CSP).
"use strict";

(function () {
  var charts = [];

  function rate(v) { return v === null || v === undefined ? "—" : v.toFixed(2) + "%"; }

  function drawFigures() {
    var block = document.getElementById("overview-data");
    if (!block) { return; }
    var data = JSON.parse(block.textContent);
    var trendEl = document.getElementById("trend-chart");
    if (trendEl) {
      var trend = echarts.init(trendEl);
      trend.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 56, top: 40, bottom: 32 },
        xAxis: { type: "category", data: data.trend.months },
        yAxis: [
          { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
          { type: "value", minInterval: 1, splitLine: { show: false } },
        ],
        series: data.trend.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6,
                   tooltip: { valueFormatter: rate } };
        }).concat([{ name: trendEl.dataset.cases || "件数", type: "bar", yAxisIndex: 1, data: data.trend.cases,
                     itemStyle: { opacity: 0.35 } }]),
      });
      charts.push(trend);
    }
    var firmsEl = document.getElementById("firms-chart");
    if (firmsEl && data.firms) {
      var firms = echarts.init(firmsEl);
      firms.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        grid: { left: 220, right: 56, top: 16, bottom: 32 },
        xAxis: { type: "value" },
        yAxis: { type: "category", inverse: true, data: data.firms.names },
        series: [{ type: "bar", data: data.firms.per_hundred, label: { show: true, position: "right" } }],
      });
      charts.push(firms);
    }
    var rankEl = document.getElementById("ranking-chart");
    if (rankEl) {
      var ranking = echarts.init(rankEl);
      ranking.setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 140, right: 56, top: 40, bottom: 32 },
        xAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
        yAxis: { type: "category", inverse: true, data: data.ranking.names },
        series: [
          { name: rankEl.dataset.cases || "本月投诉", type: "bar", data: data.ranking.cases },
          { name: rankEl.dataset.registered || "已注册占比", type: "bar", xAxisIndex: 1, data: data.ranking.registered,
            tooltip: { valueFormatter: rate } },
        ],
      });
      charts.push(ranking);
    }
  }

  function drawMap() {
    var block = document.getElementById("map-data");
    var el = document.getElementById("map-chart");
    if (!block || !el) { return; }
    var data = JSON.parse(block.textContent);
    fetch(el.dataset.geo, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (geo) {
      var districts = geo.features.filter(function (f) { return !data.district || f.properties.code === data.district; });
      var hulls = data.hulls.map(function (f) {
        return { type: "Feature", properties: { name: f.properties.name + "（近似）" }, geometry: f.geometry };
      });
      var features = districts.map(function (f) {
        return { type: "Feature", properties: { name: f.properties.name }, geometry: f.geometry };
      }).concat(hulls);
      echarts.registerMap("gongzhi", { type: "FeatureCollection", features: features });
      var values = data.points.map(function (p) { return p[2]; });
      var max = Math.max.apply(null, values.concat([1]));
      var chart = echarts.init(el);
      chart.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          return p.seriesType === "scatter" ? p.data[3] + "（" + p.data[4] + "）<br>" + data.label + "：" + p.data[2] : p.name;
        } },
        visualMap: { min: 0, max: max, calculable: true, dimension: 2, seriesIndex: 0, text: [data.label, ""],
                     inRange: { color: ["#2c7bb6", "#ffffbf", "#d7191c"] }, left: 8, bottom: 8 },
        geo: { map: "gongzhi", roam: true, label: { show: true, fontSize: 10 },
               itemStyle: { areaColor: "#eef2f6", borderColor: "#7a8a9a" },
               regions: hulls.map(function (h) {
                 return { name: h.properties.name, itemStyle: { areaColor: "rgba(120,140,160,0.08)", borderType: "dashed" } };
               }) },
        series: [{ type: "scatter", coordinateSystem: "geo", data: data.points, symbolSize: 5,
                   encode: { lng: 0, lat: 1, value: 2 }, large: data.points.length > 2000 }],
      });
      charts.push(chart);
    });
  }

  function draw() {
    if (typeof echarts === "undefined") { return; }
    drawFigures();
    drawMap();
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
