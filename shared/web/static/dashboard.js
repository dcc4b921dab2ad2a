// Draws every [data-chart] element from the options the server embedded as JSON.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var option = data[el.getAttribute("data-chart")];
    if (!option || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    el.setAttribute("data-rendered", "true");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
