// Draws the reporting dashboard's charts from the figures embedded in the page.
(function () {
  const data = JSON.parse(document.getElementById("reporting-data").textContent);
  const red = "#c8102e";
  function chart(id, option) {
    const el = document.getElementById(id);
    if (!el || !window.echarts) return;
    const c = echarts.init(el);
    c.setOption(Object.assign({ tooltip: { trigger: "axis" }, grid: { left: 48, right: 48, top: 30, bottom: 40, containLabel: true } }, option));
    window.addEventListener("resize", () => c.resize());
  }
  const months = data.service_by_month;
  chart("chart-month", {
    legend: { data: ["服务小时", "服务人次"] },
    xAxis: { type: "category", data: months.map((m) => m.month.slice(5) + "月") },
    yAxis: [{ type: "value", name: "小时" }, { type: "value", name: "人次" }],
    series: [
      { name: "服务小时", type: "bar", color: red, data: months.map((m) => Math.round(m.minutes / 60)) },
      { name: "服务人次", type: "line", yAxisIndex: 1, data: months.map((m) => m.people_served) },
    ],
  });
  const kids = data.by_child || [];
  chart("chart-child", {
    legend: { data: ["应报到", "已报到"] },
    xAxis: { type: "category", data: kids.map((k) => k.name), axisLabel: { rotate: 30 } },
    yAxis: { type: "value" },
    series: [
      { name: "应报到", type: "bar", color: "#adb5bd", data: kids.map((k) => k.in_service_members) },
      { name: "已报到", type: "bar", color: red, data: kids.map((k) => k.members_reported) },
    ],
  });
  const depts = (data.by_department || []).slice().reverse();
  chart("chart-dept", {
    xAxis: { type: "value", name: "小时" },
    yAxis: { type: "category", data: depts.map((d) => d.name), axisLabel: { width: 140, overflow: "truncate" } },
    series: [{ type: "bar", color: red, data: depts.map((d) => d.service_hours) }],
  });
  const hist = data.members_per_grid.histogram;
  chart("chart-grid", {
    xAxis: { type: "category", name: "人/网格", data: hist.map((h) => h[0]) },
    yAxis: { type: "value", name: "网格数" },
    series: [{ type: "bar", color: red, data: hist.map((h) => h[1]) }],
  });
})();
