// ferry console: progressive enhancement only. The overview refreshes itself (fetching the table's HTML from
// /console/fragments/overview); the mapping page draws its 24 h chart with uPlot. Without JavaScript every
// page still works (reload to refresh, the chart's totals are in its caption).
/* global document, window, fetch, setInterval, uPlot */
(function () {
  'use strict';

  function refreshOverview(box) {
    var url = box.getAttribute('data-refresh');
    var every = Number(box.getAttribute('data-interval')) || 5000;
    var busy = false;
    function tick() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
        .then(function (res) {
          if (res.status === 401) { window.location.assign('/console/login'); return null; }
          return res.ok ? res.text() : null;
        })
        .then(function (text) {
          if (text === null) { box.setAttribute('data-stale', 'true'); return; }
          // Keep keyboard focus on the same link across the refresh.
          var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
          box.innerHTML = text;
          box.removeAttribute('data-stale');
          if (focused) { var again = box.querySelector('a[href="' + focused + '"]'); if (again) again.focus(); }
        })
        .catch(function () { box.setAttribute('data-stale', 'true'); })
        .then(function () { busy = false; });
    }
    setInterval(tick, every);
    document.addEventListener('visibilitychange', tick);
  }

  function drawChart(el, data) {
    if (typeof uPlot === 'undefined') return;
    var series = [
      {},
      { label: 'Rows in', stroke: '#1565c0', width: 2, scale: 'rows' },
      { label: 'Rows out', stroke: '#2e7d32', width: 2, dash: [6, 3], scale: 'rows' },
      { label: 'API calls', stroke: '#6a1b9a', width: 2, dash: [2, 2], scale: 'calls' },
      { label: 'Errors', stroke: '#c62828', width: 2, scale: 'calls' },
    ];
    var opts = {
      width: Math.max(320, Math.min(el.clientWidth || 900, 1400)),
      height: 260,
      series: series,
      scales: { x: { time: true }, rows: { auto: true }, calls: { auto: true } },
      axes: [{}, { scale: 'rows', label: 'rows' }, { scale: 'calls', side: 1, label: 'calls / errors', grid: { show: false } }],
      legend: { live: true },
    };
    var plot = new uPlot(opts, [data.t, data.rowsIn, data.rowsOut, data.apiCalls, data.errors], el);
    window.addEventListener('resize', function () { plot.setSize({ width: Math.max(320, Math.min(el.clientWidth, 1400)), height: 260 }); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('overview');
    if (box) refreshOverview(box);
    var chart = document.getElementById('chart');
    var data = document.getElementById('chart-data');
    if (chart && data) drawChart(chart, JSON.parse(data.textContent));
  });
})();
