// The page's own script, inlined into report.html: it draws the space-time diagram and the
// operation timeline as SVG from the page's JSON block, the latency chart with uPlot (inlined
// beside it), and keeps the three on one time axis that wheel, drag and buttons zoom.
// Kept as a string (no backticks or interpolation inside): it runs in the browser, not in Node,
// and must not depend on how this module was compiled. Strings reach the DOM only through
// textContent and setAttribute, never as markup.
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var full = { t0: 0, t1: Math.max(1, D.durationMs) };
  var view = { t0: full.t0, t1: full.t1 };
  var LANE = 46, TOP = 26, LEFT = 48, RIGHT = 12, ROW = 16, TLEFT = 96;
  var OUTCOME = ['ok', 'failed', 'unknown'];
  var plot = null, syncing = false;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function title(parent, s) { var t = el('title', {}, parent); t.textContent = s; }
  function label(parent, x, y, s, cls) { var t = el('text', { x: x, y: y, 'class': cls }, parent); t.textContent = s; return t; }
  function fmt(ms) {
    var a = Math.abs(ms);
    if (a >= 10000) return (ms / 1000).toFixed(1) + ' s';
    if (a >= 1000) return (ms / 1000).toFixed(2) + ' s';
    if (a >= 10) return ms.toFixed(0) + ' ms';
    return ms.toFixed(2) + ' ms';
  }
  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  function width(box) { return Math.max(480, box.clientWidth || 960); }
  function scaleX(w, left) {
    var span = view.t1 - view.t0;
    return function (t) { return left + ((t - view.t0) / span) * (w - left - RIGHT); };
  }
  function inView(a, b) { return b >= view.t0 && a <= view.t1; }

  function axis(svg, x, w, left, y, h) {
    var step = niceStep(view.t1 - view.t0, Math.max(2, Math.floor((w - left) / 110)));
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var px = x(t);
      el('line', { x1: px, x2: px, y1: y, y2: y + h, 'class': 'grid' }, svg);
      label(svg, px + 2, y - 6, fmt(t), 'tick');
    }
  }

  function bandsOn(svg, x, laneY, laneH, allTop, allH, cls) {
    D.bands.forEach(function (b) {
      if (!inView(b.s, b.e)) return;
      var g = el('g', { 'class': cls, 'data-kind': b.kind }, svg);
      var x0 = Math.max(x(b.s), x(view.t0)), x1 = Math.min(x(b.e), x(view.t1));
      var wpx = Math.max(2, x1 - x0);
      if (b.kind === 'partition' || laneY === null) {
        el('rect', { x: x0, y: allTop, width: wpx, height: allH, 'class': 'band-rect ' + b.kind }, g);
      } else {
        b.nodes.forEach(function (n) {
          var y = laneY(n);
          if (y === null) return;
          el('rect', { x: x0, y: y - laneH / 2 + 3, width: wpx, height: laneH - 6, 'class': 'band-rect ' + b.kind }, g);
        });
      }
      title(g, b.text + ' (' + fmt(b.s) + ' to ' + (b.open ? 'the end' : fmt(b.e)) + ')');
    });
  }

  function renderSpacetime() {
    var box = document.getElementById('spacetime');
    var w = width(box), h = TOP + D.nodes.length * LANE + 8;
    box.textContent = '';
    var svg = el('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img' }, box);
    var defs = el('defs', {}, svg);
    var mk = el('marker', { id: 'head', viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L8,4 L0,8 z', 'class': 'head' }, mk);
    var x = scaleX(w, LEFT);
    var ix = {};
    D.nodes.forEach(function (n, i) { ix[n] = i; });
    var laneY = function (n) { return ix[n] === undefined ? null : TOP + ix[n] * LANE + LANE / 2; };
    axis(svg, x, w, LEFT, TOP, h - TOP);
    bandsOn(svg, x, laneY, LANE, TOP, h - TOP - 4, 'band');
    D.nodes.forEach(function (n) {
      var y = laneY(n);
      var g = el('g', { 'class': 'lane', 'data-node': n }, svg);
      el('line', { x1: LEFT, x2: w - RIGHT, y1: y, y2: y, 'class': 'lane-line' }, g);
      label(g, 6, y + 4, 'n' + n, 'lane-label');
    });
    var drawn = 0, labelled = 0;
    var visible = D.arrows.filter(function (a) { return inView(a[2], a[3]) && laneY(a[0]) !== null && laneY(a[1]) !== null; });
    var withLabels = visible.length <= 600;
    // Per sending lane, where the last label ended: a label that would overlap it is left to
    // the arrow's tooltip (zoom in and it gets room).
    var labelEnd = {};
    visible.forEach(function (a) {
      var x1 = x(a[2]), y1 = laneY(a[0]), x2 = x(a[3]), y2 = laneY(a[1]);
      var line = el('line', { x1: x1, y1: y1, x2: x2, y2: y2, 'class': 'arrow' + (a[5] ? ' hb' : ''), 'marker-end': 'url(#head)' }, svg);
      title(line, D.labels[a[4]] + ': n' + a[0] + ' to n' + a[1] + ', sent ' + fmt(a[2]) + ', received ' + fmt(a[3]));
      drawn++;
      var text = D.labels[a[4]], lx = (x1 + x2) / 2 + 3, row = a[0] + '>' + a[1];
      if (withLabels && Math.abs(y2 - y1) > 20 && lx > (labelEnd[row] || 0) + 4) {
        label(svg, lx, (y1 + y2) / 2 - 2, text, 'alabel');
        labelEnd[row] = lx + text.length * 5.4;
        labelled++;
      }
    });
    var marks = 0;
    D.marks.forEach(function (m, i) {
      if (!inView(m[3], m[3]) || laneY(m[0]) === null) return;
      var px = x(m[3]), py = laneY(m[0]) + (m[5] ? -9 : 9);
      var g = el('g', { 'class': 'mark ' + (m[5] ? 'dropped' : 'lost') }, svg);
      if (m[5]) el('path', { d: 'M' + (px - 4) + ',' + (py - 4) + ' l8,8 m0,-8 l-8,8' }, g);
      else el('circle', { cx: px, cy: py, r: 3.5 }, g);
      title(g, D.labels[m[4]] + ' n' + m[1] + ' to n' + m[2] + ': ' + (m[5] ? 'dropped (' + D.markWhy[i] + ')' : 'sent, never received') + ' at ' + fmt(m[3]));
      marks++;
    });
    box.setAttribute('data-drawn-arrows', String(drawn));
    box.setAttribute('data-drawn-marks', String(marks));
    box.setAttribute('data-drawn-labels', String(labelled));
  }

  function renderTimeline() {
    var box = document.getElementById('timeline');
    if (!box) return;
    var w = width(box), h = TOP + Math.max(1, D.procs.length) * ROW + 8;
    box.textContent = '';
    var svg = el('svg', { width: w, height: h, viewBox: '0 0 ' + w + ' ' + h, role: 'img' }, box);
    var x = scaleX(w, TLEFT);
    axis(svg, x, w, TLEFT, TOP, h - TOP);
    bandsOn(svg, x, null, 0, TOP, h - TOP - 4, 'band tl-band');
    D.procs.forEach(function (p, i) { label(svg, 4, TOP + i * ROW + ROW - 4, p, 'proc'); });
    var drawn = 0;
    D.ops.forEach(function (o, i) {
      var end = o[2] < 0 ? full.t1 : o[2];
      if (!inView(o[1], end)) return;
      var x0 = Math.max(x(o[1]), TLEFT), x1 = Math.min(x(end), w - RIGHT);
      var g = el('g', { 'class': 'op ' + OUTCOME[o[3]] + (o[4] ? ' cx' : ''), 'data-id': o[5] }, svg);
      el('rect', { x: x0, y: TOP + o[0] * ROW + 2, width: Math.max(1.5, x1 - x0), height: ROW - 4, rx: 2 }, g);
      var text = D.opText[i];
      title(g, D.procs[o[0]] + ': ' + text + ', ' + fmt(o[1]) + (o[2] < 0 ? ', never answered' : ' to ' + fmt(o[2])));
      var room = Math.floor((x1 - x0 - 6) / 6.2);
      if (room >= 4) label(g, x0 + 3, TOP + o[0] * ROW + ROW - 5, text.length > room ? text.slice(0, room - 1) + '…' : text, 'optext');
      drawn++;
    });
    box.setAttribute('data-drawn-ops', String(drawn));
  }

  function renderLatency() {
    var box = document.getElementById('latency');
    if (!box || typeof window.uPlot !== 'function' || D.latency.x.length === 0) return;
    var bandColor = { kill: 'rgba(220,50,47,0.18)', partition: 'rgba(181,137,0,0.16)', slow: 'rgba(38,139,210,0.14)', pause: 'rgba(108,113,196,0.18)' };
    var opts = {
      width: width(box), height: 260,
      scales: { x: { time: false, min: view.t0, max: view.t1 }, y: { distr: 3 } },
      legend: { show: true },
      axes: [{ values: function (u, vals) { return vals.map(fmt); } }, { label: 'latency (ms, log)', values: function (u, vals) { return vals.map(function (v) { return v == null ? '' : String(+v.toPrecision(3)); }); } }],
      series: [
        { label: 'completed at', value: function (u, v) { return v == null ? '-' : fmt(v); } },
        { label: 'set', stroke: '#2aa198', paths: function () { return null; }, points: { show: true, size: 4, fill: '#2aa198' } },
        { label: 'get', stroke: '#268bd2', paths: function () { return null; }, points: { show: true, size: 4, fill: '#268bd2' } },
        { label: 'del', stroke: '#d33682', paths: function () { return null; }, points: { show: true, size: 4, fill: '#d33682' } }
      ],
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          D.bands.forEach(function (b) {
            var x0 = u.valToPos(Math.max(b.s, u.scales.x.min), 'x', true), x1 = u.valToPos(Math.min(b.e, u.scales.x.max), 'x', true);
            if (x1 <= x0) return;
            ctx.fillStyle = bandColor[b.kind] || 'rgba(0,0,0,0.1)';
            ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
          });
          ctx.restore();
        }],
        setScale: [function (u, key) {
          if (key !== 'x' || syncing) return;
          setView(u.scales.x.min, u.scales.x.max, true);
        }]
      }
    };
    var lat = D.latency;
    var clean = function (ys) { return ys.map(function (v) { return v == null ? null : Math.max(0.01, v); }); };
    box.textContent = '';
    // uPlot sets its scales while it is built: that is not the reader zooming.
    syncing = true;
    try { plot = new window.uPlot(opts, [lat.x, clean(lat.set), clean(lat.get), clean(lat.del)], box); } finally { syncing = false; }
    box.setAttribute('data-points', String(lat.x.length));
  }

  function setView(t0, t1, fromPlot) {
    if (!(t1 > t0)) return;
    var span = Math.max(0.5, Math.min(t1 - t0, full.t1 - full.t0));
    var a = Math.max(full.t0, Math.min(t0, full.t1 - span));
    view = { t0: a, t1: a + span };
    renderSpacetime();
    renderTimeline();
    if (plot && !fromPlot) {
      syncing = true;
      plot.setScale('x', { min: view.t0, max: view.t1 });
      syncing = false;
    }
    var z = document.getElementById('zoom-state');
    if (z) z.textContent = fmt(view.t0) + ' to ' + fmt(view.t1);
  }
  function zoom(f, at) {
    var c = at === undefined ? (view.t0 + view.t1) / 2 : at;
    setView(c - (c - view.t0) * f, c + (view.t1 - c) * f, false);
  }

  function interactive(id, left) {
    var box = document.getElementById(id);
    if (!box) return;
    var at = function (ev) {
      var r = box.getBoundingClientRect(), w = width(box);
      return view.t0 + ((ev.clientX - r.left - left) / (w - left - RIGHT)) * (view.t1 - view.t0);
    };
    box.addEventListener('wheel', function (ev) { ev.preventDefault(); zoom(ev.deltaY > 0 ? 1.25 : 0.8, at(ev)); }, { passive: false });
    var drag = null;
    box.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, t0: view.t0, t1: view.t1 }; });
    window.addEventListener('mouseup', function () { drag = null; });
    box.addEventListener('mousemove', function (ev) {
      if (!drag || ev.buttons !== 1) return;
      var w = width(box), dt = ((ev.clientX - drag.x) / (w - left - RIGHT)) * (drag.t1 - drag.t0);
      setView(drag.t0 - dt, drag.t1 - dt, false);
    });
  }

  function button(id, fn) { var b = document.getElementById(id); if (b) b.addEventListener('click', fn); }
  button('zoom-in', function () { zoom(0.5); });
  button('zoom-out', function () { zoom(2); });
  button('zoom-reset', function () { setView(full.t0, full.t1, false); });
  button('zoom-cx', function () {
    if (!D.counterexample) return;
    var c = D.counterexample, pad = Math.max(1, (c.toMs - c.fromMs) * 0.15);
    setView(c.fromMs - pad, c.toMs + pad, false);
    var t = document.getElementById('timeline');
    if (t) t.scrollIntoView({ block: 'center' });
  });
  interactive('spacetime', LEFT);
  interactive('timeline', TLEFT);
  renderLatency();
  setView(full.t0, full.t1, false);
  var resizing = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { renderSpacetime(); renderTimeline(); if (plot) plot.setSize({ width: width(document.getElementById('latency')), height: 260 }); }, 150);
  });
  document.body.setAttribute('data-rendered', '1');
})();
`;
