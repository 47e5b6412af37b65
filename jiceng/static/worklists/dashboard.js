// Work dashboard charts: completion by unit and the overdue trend (ECharts, vendored).
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var units = data("data-units"), trend = data("data-trend");
  var bar = echarts.init(document.getElementById("chart-units"));
  bar.setOption({
    tooltip: {}, grid: { left: 90, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "value", max: 100 },
    yAxis: { type: "category", data: units.map(function (u) { return u.unit; }) },
    series: [{ type: "bar", color: "#b8141d", data: units.map(function (u) { return u.completion; }) }]
  });
  var line = echarts.init(document.getElementById("chart-trend"));
  line.setOption({
    tooltip: { trigger: "axis" }, grid: { left: 40, right: 20, top: 10, bottom: 30 },
    xAxis: { type: "category", data: trend.map(function (t) { return t[0]; }) },
    yAxis: { type: "value" },
    series: [{ type: "line", color: "#dc3545", data: trend.map(function (t) { return t[1]; }) }]
  });
  window.addEventListener("resize", function () { bar.resize(); line.resize(); });
})();
