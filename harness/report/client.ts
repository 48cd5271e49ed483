/**
 * The report page's own script and style, inlined into index.html next to uPlot. The script
 * reads each scenario's `ChartData` (series.ts) from its `<script type="application/json">`
 * block and draws the panels: one uPlot per panel, all panels of a scenario on one x range
 * (seconds from the scenario's start), cursor and zoom synchronised, faults shaded on every
 * panel, moves as dashed lines, verdict windows as brackets and bounds as dashed bars.
 *
 * Kept as a string (not a module) because it runs in the browser, not in Node; plain ES2017,
 * no template literals (this file's own quoting).
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var state = (window.__pgchaos = { charts: [], scenarios: {} });
  var PALETTE = ['#1f77b4', '#e8710a', '#2ca02c', '#9467bd', '#8c564b', '#d62790'];
  var LANE = { primary: '#3b6fd0', sync: '#1a7f37', quorum: '#2da44e', potential: '#e3a008', async: '#9cc3e6', absent: '#f6d5d5' };
  var STATUS = { passed: '#1a7f37', failed: '#cf222e', unknown: '#9a6700' };
  // Faults take their kind's colour (series.ts FAULT_COLORS): a light band over the panel, a strip at the top.
  function rgba(hex, a) {
    var n = parseInt(String(hex).slice(1), 16);
    return isNaN(n) ? 'rgba(207,34,46,' + a + ')' : 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  // A row per fault such that faults in force at the same time get different rows.
  function stripRows(faults) {
    var ends = [];
    return faults.map(function (f) {
      var r = 0;
      while (ends[r] != null && ends[r] > f.from) r++;
      ends[r] = f.to;
      return r;
    });
  }

  // Writes text where it covers no text written before on this canvas (moving it by dy until free).
  function placer(ctx) {
    var taken = [];
    return function (text, left, y, dy) {
      var w = ctx.measureText(text).width, h = px(12);
      for (var k = 0; k < 6; k++) {
        var box = { l: left, r: left + w, t: y - h, b: y };
        if (!taken.some(function (o) { return o.l < box.r && box.l < o.r && o.t < box.b && box.t < o.b; })) break;
        y += dy;
      }
      taken.push({ l: left, r: left + w, t: y - h, b: y });
      ctx.fillText(text, left, y);
      return y;
    };
  }
  var MOVE = '#2f5fd0';
  var px = function (n) { return Math.round(n * uPlot.pxRatio); };

  function fmtBytes(v) {
    if (v == null) return '—';
    var a = Math.abs(v);
    if (a >= 1073741824) return (v / 1073741824).toFixed(2) + ' GB';
    if (a >= 1048576) return (v / 1048576).toFixed(a >= 10485760 ? 0 : 1) + ' MB';
    if (a >= 1024) return (v / 1024).toFixed(0) + ' kB';
    return v + ' B';
  }
  function fmtMs(v) { return v == null ? '—' : v === 0 ? '0' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v.toFixed(v < 10 ? 1 : 0) + ' ms'; }
  function fmtNum(d) { return function (u, v) { return v == null ? '—' : v.toFixed(d); }; }
  function wall(t0, s) { return t0 == null || s == null ? '' : new Date(t0 + s * 1000).toISOString().slice(11, 23) + ' UTC'; }

  // Draws faults (shaded, numbered), moves (dashed, numbered), a steady-TPS line and verdict overlays.
  function decorations(d, which, first) {
    var overlays = which === 'tps' ? d.overlays.tps : which === 'lanes' ? d.overlays.lanes : [];
    function x(u, v) { return u.valToPos(v, 'x', true); }
    function shade(u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      // Each fault tints the panel in its kind's colour, lightly, so overlapping faults blend
      // rather than stack into a dark block; its own extent is a strip at the top.
      d.faults.forEach(function (f) {
        var l = x(u, f.from), r = x(u, f.to);
        ctx.fillStyle = rgba(f.color, 0.09);
        ctx.fillRect(l, b.top, Math.max(px(1), r - l), b.height);
      });
      stripRows(d.faults).forEach(function (row, k) {
        var f = d.faults[k], l2 = x(u, f.from), r2 = x(u, f.to), y = b.top + row * px(5);
        ctx.fillStyle = rgba(f.color, 0.9);
        if (!f.open) {
          // Closed at its heal: a solid strip with an end cap.
          ctx.fillRect(l2, y, Math.max(px(2), r2 - l2), px(4));
          ctx.fillRect(Math.max(l2, r2 - px(2)), y, px(2), px(9));
        } else {
          // Open to the end of the story: a dashed strip and an arrowhead at the panel's edge.
          for (var k2 = l2; k2 < r2; k2 += px(9)) ctx.fillRect(k2, y, Math.min(px(6), r2 - k2), px(4));
          var e = Math.min(r2, b.left + b.width);
          ctx.beginPath(); ctx.moveTo(e, y + px(2)); ctx.lineTo(e - px(7), y - px(2)); ctx.lineTo(e - px(7), y + px(6)); ctx.closePath(); ctx.fill();
        }
      });
      ctx.restore();
    }
    function marks(u) {
      var ctx = u.ctx, b = u.bbox;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top - px(14), b.width, b.height + px(14)); ctx.clip();
      ctx.font = 'bold ' + px(10) + 'px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      var tags = [];
      d.moves.forEach(function (m) {
        var at = x(u, m.t);
        ctx.strokeStyle = MOVE; ctx.lineWidth = px(1.25); ctx.setLineDash([px(4), px(3)]);
        ctx.beginPath(); ctx.moveTo(at, b.top); ctx.lineTo(at, b.top + b.height); ctx.stroke();
        tags.push({ n: m.n, at: at, color: MOVE });
      });
      ctx.setLineDash([]);
      // On the first panel a fault's tag names it (kind and nodes) where there is room; elsewhere its number.
      var named = which === first;
      d.faults.forEach(function (f) {
        tags.push({ n: f.n, at: x(u, f.from), color: f.color, text: named ? f.n + ' ' + f.label + (f.open ? ' → end' : '') : null });
      });
      // Numbers in time order; one that would cover the previous one in its row goes a row down
      // (a name that finds no room in three rows is cut back to its number).
      var rowsEnd = [];
      var place = function (text, at) {
        var w = ctx.measureText(text).width + px(6), r = 0;
        while (rowsEnd[r] != null && rowsEnd[r] > at + px(2)) r++;
        return { r: r, w: w };
      };
      tags.sort(function (a, c) { return a.n - c.n; }).forEach(function (t) {
        var text = t.text, p = text ? place(text, t.at) : null;
        if (!p || p.r > 2 || t.at + px(2) + p.w > b.left + b.width) { text = String(t.n); p = place(text, t.at); }
        rowsEnd[p.r] = t.at + px(2) + p.w + px(1);
        label(ctx, text, t.at + px(2), b.top + px(6) + p.r * px(14), t.color);
      });
      if (which === 'tps' && d.overlays.steadyTps != null) {
        var y = u.valToPos(d.overlays.steadyTps, 'y', true);
        ctx.strokeStyle = '#777'; ctx.lineWidth = px(1); ctx.setLineDash([px(2), px(3)]);
        ctx.beginPath(); ctx.moveTo(b.left, y); ctx.lineTo(b.left + b.width, y); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#555'; ctx.font = px(10) + 'px system-ui, sans-serif'; ctx.textBaseline = 'bottom';
        var st = 'steady ' + Math.round(d.overlays.steadyTps) + ' TPS';
        ctx.fillText(st, b.left + b.width - ctx.measureText(st).width - px(4), y - px(1));
      }
      var row = 0, placeText = placer(ctx);
      overlays.forEach(function (o) {
        var c = STATUS[o.status] || '#555';
        ctx.font = px(10) + 'px system-ui, sans-serif';
        if (o.kind === 'window') {
          // A bracket along the bottom: the window the verdict judged.
          var l = x(u, o.from), r = x(u, o.to), yb = b.top + b.height - px(6) - row * px(13);
          row = (row + 1) % 3;
          ctx.strokeStyle = c; ctx.lineWidth = px(2); ctx.setLineDash([]);
          ctx.beginPath(); ctx.moveTo(l, yb - px(5)); ctx.lineTo(l, yb); ctx.lineTo(r, yb); ctx.lineTo(r, yb - px(5)); ctx.stroke();
          ctx.fillStyle = 'rgba(255,255,255,0.8)';
          var w = ctx.measureText(o.label).width;
          ctx.fillRect(l + px(3), yb - px(13), w + px(4), px(12));
          ctx.fillStyle = c; ctx.textBaseline = 'bottom';
          ctx.fillText(o.label, l + px(5), yb - px(1));
        } else if (o.kind === 'bar') {
          var y2 = u.valToPos(o.y, 'y', true), l2 = x(u, o.from), r2 = x(u, o.to);
          ctx.strokeStyle = c; ctx.lineWidth = px(1.5); ctx.setLineDash([px(6), px(3)]);
          ctx.beginPath(); ctx.moveTo(l2, y2); ctx.lineTo(r2, y2); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = c; ctx.textBaseline = 'bottom';
          placeText(o.label, Math.min(r2, b.left + b.width) - ctx.measureText(o.label).width - px(2), y2 - px(2), -px(12));
        } else if (o.kind === 'mark') {
          var xm = x(u, o.t);
          ctx.strokeStyle = c; ctx.lineWidth = px(2); ctx.setLineDash([]);
          ctx.beginPath(); ctx.moveTo(xm, b.top + px(18)); ctx.lineTo(xm, b.top + b.height); ctx.stroke();
          ctx.fillStyle = c; ctx.textBaseline = 'bottom';
          placeText(o.label, xm + px(3), b.top + px(30), px(12));
        }
      });
      ctx.restore();
    }
    function label(ctx, text, l, t, color) {
      var w = ctx.measureText(text).width + px(6);
      ctx.fillStyle = color; ctx.fillRect(l, t, w, px(13));
      ctx.fillStyle = '#fff'; ctx.fillText(text, l + px(3), t + px(1.5));
    }
    return { shade: shade, marks: marks };
  }

  function lanesDraw(d) {
    return function (u) {
      var ctx = u.ctx, b = u.bbox, n = d.lanes.nodes.length;
      ctx.save();
      ctx.beginPath(); ctx.rect(b.left, b.top, b.width, b.height); ctx.clip();
      ctx.font = px(10) + 'px system-ui, sans-serif'; ctx.textBaseline = 'middle';
      var texts = [];
      d.lanes.spans.forEach(function (s) {
        var i = d.lanes.nodes.indexOf(s.node);
        var top = u.valToPos(n - i - 0.12, 'y', true), bottom = u.valToPos(n - i - 0.88, 'y', true);
        var l = u.valToPos(s.from, 'x', true), r = u.valToPos(s.to, 'x', true);
        ctx.fillStyle = LANE[s.syncState] || '#bbb';
        ctx.fillRect(l, top, Math.max(px(1), r - l), bottom - top);
        if (s.step.indexOf('catchup') === 0 || s.step.indexOf('startup') === 0) {
          ctx.fillStyle = 'rgba(255,255,255,0.45)';
          for (var k = l; k < r; k += px(6)) ctx.fillRect(k, top, px(2), bottom - top);
        }
        var w = ctx.measureText(s.step).width;
        if (r - l > w + px(8)) texts.push([s.step, l + px(4), (top + bottom) / 2, s.syncState === 'primary' ? '#fff' : '#1b1f24']);
      });
      // Labels after every rectangle, so the next span never paints over one.
      texts.forEach(function (t) { ctx.fillStyle = t[3]; ctx.fillText(t[0], t[1], t[2]); });
      ctx.restore();
    };
  }

  function syncZoom(group) {
    var busy = false;
    return function (u, key) {
      if (key !== 'x' || busy) return;
      busy = true;
      group.forEach(function (o) { if (o !== u) o.setScale('x', { min: u.scales.x.min, max: u.scales.x.max }); });
      busy = false;
    };
  }

  function render(el, d) {
    var id = el.getAttribute('data-scenario');
    var group = [], firstPanel = null;
    var width = function () { return Math.max(320, el.clientWidth - 8); };
    var xSeries = { label: 'time', value: function (u, v) { return v == null ? '—' : v.toFixed(2) + ' s (' + wall(d.t0, v) + ')'; } };
    var xAxis = { scale: 'x', values: function (u, vs) { return vs.map(function (v) { return v + ' s'; }); }, grid: { stroke: '#eee' } };
    var wallAxis = { scale: 'x', side: 0, size: 24, space: 110, grid: { show: false }, values: function (u, vs) { return vs.map(function (v) { return wall(d.t0, v).slice(0, 8); }); } };
    // Every panel gets the same left and right axis widths, so their x positions line up.
    var noRight = { side: 1, size: 86, grid: { show: false }, ticks: { show: false }, values: function (u, vs) { return vs.map(function () { return ''; }); } };

    function panel(name, title, note, height, data, series, axes, extra) {
      var box = document.createElement('div');
      box.className = 'panel panel-' + name;
      var h = document.createElement('h4');
      h.textContent = title;
      if (note) { var s = document.createElement('span'); s.className = 'note'; s.textContent = ' ' + note; h.appendChild(s); }
      box.appendChild(h);
      el.appendChild(box);
      var deco = decorations(d, name, group.length === 0 ? name : firstPanel);
      if (group.length === 0) firstPanel = name;
      // Faults are shaded under the series, but over the lanes (which would hide them).
      var hooks = { drawClear: extra && extra.drawClear ? [extra.drawClear, deco.shade] : [deco.shade], draw: [deco.marks], setScale: [syncZoom(group)] };
      if (!axes.some(function (a) { return a.side === 1; })) axes = axes.concat([noRight]);
      var opts = {
        width: width(), height: height,
        cursor: { sync: { key: 'pgchaos-' + id, setSeries: false }, drag: { x: true, y: false } },
        scales: Object.assign({ x: { time: false } }, (extra && extra.scales) || {}),
        legend: { live: true },
        // No dots on sparse data: lines only (the cursor still marks the values it reads).
        series: [xSeries].concat(series.map(function (x) { return x.points ? x : Object.assign({ points: { show: false } }, x); })),
        axes: axes,
        hooks: hooks,
      };
      var u = new uPlot(opts, data, box);
      group.push(u);
      state.charts.push({ scenario: id, panel: name, chart: u });
      return u;
    }
    // Log-scale gridlines at 1, 2 and 5 times a power of ten only.
    var logSplits = function (u, ai, min, max) {
      var out = [];
      for (var p = Math.floor(Math.log10(Math.max(min, 1e-3))); Math.pow(10, p) <= max * 1.0001; p++) {
        [1, 2, 5].forEach(function (m) { var v = m * Math.pow(10, p); if (v >= min * 0.9999 && v <= max * 1.0001) out.push(v); });
      }
      return out;
    };
    var yAxis = function (label, fmt, extra) { return Object.assign({ label: label, size: 72, grid: { stroke: '#eee' }, values: fmt ? function (u, vs) { return vs.map(fmt); } : undefined }, extra || {}); };

    if (d.writer) {
      var w = d.writer;
      panel('tps', 'Throughput', '— acknowledged batches per second: thin line per ' + w.intervalMs + ' ms, thick line 1 s mean; shaded bands are faults, coloured by kind (named and numbered; the key above), dashed blue lines moves; brackets and dashed bars are what the verdicts judged', 230,
        [w.x, w.tps, w.tps1s],
        [
          { label: 'TPS (' + w.intervalMs + ' ms)', stroke: '#9fb3c8', width: 1, value: fmtNum(0) },
          { label: 'TPS (1 s mean)', stroke: '#0b3d91', width: 2, value: fmtNum(0) },
        ],
        [xAxis, yAxis('TPS'), wallAxis]);
      panel('outcomes', 'Batches per ' + w.intervalMs + ' ms by outcome', '— acknowledged vs failed (surely not committed) vs unknown (connection lost around COMMIT); purple: commits waiting on SyncRep', 150,
        [w.x, w.acked, w.failed, w.unknown, w.waiters],
        [
          { label: 'acknowledged', stroke: '#2da44e', width: 1.25, paths: uPlot.paths.stepped({ align: 1 }), value: fmtNum(0) },
          { label: 'failed', stroke: '#cf222e', fill: 'rgba(207,34,46,0.75)', width: 1, paths: uPlot.paths.bars({ size: [0.9, 12, 4] }), value: fmtNum(0) },
          { label: 'unknown', stroke: '#e8710a', fill: 'rgba(232,113,10,0.8)', width: 1, paths: uPlot.paths.bars({ size: [0.9, 12, 4] }), value: fmtNum(0) },
          { label: 'waiting on SyncRep', stroke: 'rgba(130,80,223,0.5)', fill: 'rgba(130,80,223,0.07)', width: 1, scale: 'waiters', paths: uPlot.paths.stepped({ align: 1 }), value: fmtNum(0) },
        ],
        [xAxis, yAxis('batches', null, { incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000] }), yAxis('waiters', null, { scale: 'waiters', side: 1, grid: { show: false }, size: 56, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] })],
        { scales: { waiters: { range: function (u, min, max) { return [0, Math.max(1, max || 0)]; } } } });
      panel('latency', 'Latency of acknowledged batches', '— mean and p99 per ' + w.intervalMs + ' ms, log scale; gaps where nothing was acknowledged', 150,
        [w.x, w.latMean, w.latP99],
        [
          { label: 'mean', stroke: '#0b3d91', width: 1.5, value: function (u, v) { return fmtMs(v); } },
          { label: 'p99', stroke: '#d62790', width: 1, value: function (u, v) { return fmtMs(v); } },
        ],
        [xAxis, yAxis('ms', function (v) { return v == null ? '' : fmtMs(v); }, { splits: logSplits })],
        { scales: { y: { distr: 3, log: 10 } } });
    }
    if (d.lagBytes) {
      var lb = d.lagBytes, sb = [], db = [lb.x];
      lb.series.forEach(function (s, i) {
        var c = PALETTE[i % PALETTE.length];
        db.push(s.flush, s.replay);
        sb.push({ label: s.name + ' flush', stroke: c, width: 1.5, value: function (u, v) { return fmtBytes(v); } });
        sb.push({ label: s.name + ' replay', stroke: c, width: 1, dash: [5, 3], value: function (u, v) { return fmtBytes(v); } });
      });
      panel('lagBytes', 'Replication lag in bytes', "— each standby's flush and replay LSN behind the primary's flush LSN (pg_current_wal_flush_lsn()); gaps: no walsender, or the primary did not answer", 150, db, sb,
        [xAxis, yAxis('behind', fmtBytes)]);
    }
    if (d.lagTimes) {
      var lt = d.lagTimes, st = [], dt = [lt.x];
      lt.series.forEach(function (s, i) {
        var c = PALETTE[i % PALETTE.length];
        dt.push(s.replay, s.flush, s.write);
        st.push({ label: s.name + ' replay_lag', stroke: c, width: 1.5, value: function (u, v) { return fmtMs(v); } });
        st.push({ label: s.name + ' flush_lag', stroke: c, width: 1, dash: [5, 3], value: function (u, v) { return fmtMs(v); } });
        st.push({ label: s.name + ' write_lag', stroke: c, width: 1, dash: [1, 3], show: false, value: function (u, v) { return fmtMs(v); } });
      });
      panel('lagTimes', 'Replication lag in time', '— pg_stat_replication write_lag / flush_lag / replay_lag (click a legend entry to show or hide)', 150, dt, st,
        [xAxis, yAxis('lag', function (v) { return v == null ? '' : fmtMs(v); })]);
    }
    if (d.lanes) {
      var L = d.lanes, n = L.nodes.length, dl = [L.x], sl = [];
      L.nodes.forEach(function (node, i) {
        dl.push(L.x.map(function () { return n - i - 0.5; }));
        sl.push({ label: node, stroke: 'transparent', paths: function () { return null; }, points: { show: false },
          value: function (u, v, si, idx) { return idx == null ? '—' : L.steps[i][idx]; } });
      });
      panel('lanes', 'Role and sync_state per node', '— as the primary\'s pg_stat_replication showed them every ~100 ms (hatched: catchup/startup)', 30 * n + 50, dl, sl,
        [Object.assign({}, xAxis, { grid: { show: false } }), { label: 'node', size: 72, grid: { show: false }, ticks: { show: false }, splits: function () { return L.nodes.map(function (_, i) { return n - i - 0.5; }); },
          values: function () { return L.nodes.slice(); } }],
        { scales: { y: { range: [0, n] } }, drawClear: lanesDraw(d) });
    }
    state.scenarios[id] = group.length;
    el.setAttribute('data-charts', String(group.length));
    window.addEventListener('resize', function () { var wd = width(); group.forEach(function (u) { u.setSize({ width: wd, height: u.height }); }); });
  }

  document.querySelectorAll('.charts[data-scenario]').forEach(function (el) {
    var src = document.getElementById('data-' + el.getAttribute('data-scenario'));
    render(el, JSON.parse(src.textContent));
  });
  // A log tail opens at its first ERROR/FATAL/PANIC line of the tail, else at its end.
  document.querySelectorAll('pre.log').forEach(function (pre) {
    var hit = pre.querySelector('.tail .ERROR, .tail .FATAL, .tail .PANIC');
    pre.scrollTop = hit ? Math.max(0, hit.offsetTop - pre.offsetTop - 40) : pre.scrollHeight;
  });
  document.querySelectorAll('button.copy').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.previousElementSibling.textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { b.textContent = 'copied'; }, function () {});
    });
  });
})();
`;

/** The page's style (uPlot's own stylesheet comes before it). */
export const REPORT_CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:0;padding:20px 28px 60px;max-width:1280px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:0}h3{font-size:15px;margin:18px 0 6px}h4{font-size:13px;margin:14px 0 2px}
h4 .note{font-weight:normal;color:var(--muted);font-size:12px}
a{color:#0969da;text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #eaeef2}th{font-weight:600;color:var(--muted);font-size:12px;background:var(--bg2)}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:700;font-size:12px;color:#fff;text-transform:uppercase;letter-spacing:.02em;white-space:nowrap}
.pill.passed{background:var(--ok)}.pill.failed{background:var(--bad)}.pill.unknown,.pill.interrupted{background:var(--warn)}.pill.broken,.pill.skipped{background:#6e7781}
.passed-t{color:var(--ok)}.failed-t{color:var(--bad)}.unknown-t,.interrupted-t{color:var(--warn)}.skipped-t{color:#57606a;font-weight:600}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0;font-size:13px}.facts dt{color:var(--muted)}.facts dd{margin:0}
.cmd{display:flex;gap:6px;align-items:flex-start;margin:2px 0}.cmd code{background:var(--bg2);border:1px solid var(--line);border-radius:4px;padding:3px 6px;white-space:pre-wrap;word-break:break-all;flex:1}
button.copy{font-size:11px;padding:2px 6px;border:1px solid var(--line);border-radius:4px;background:#fff;cursor:pointer}
.links a{margin-right:12px}
.banner{padding:10px 14px;border-radius:6px;margin:10px 0;font-weight:600}.banner.passed{background:#dafbe1;color:#116329}.banner.failed{background:#ffebe9;color:#a40e26}.banner.interrupted{background:#fff8c5;color:#7d4e00}.banner.skipped{background:#eaeef2;color:#424a53}
.broken{border:1px solid var(--bad);background:#fff5f5;padding:8px 12px;border-radius:6px;margin:8px 0}
.matrix td{text-align:left}.matrix td.cell{min-width:160px}.matrix .m{color:var(--muted);font-size:12px;display:block}
section.scenario{border-top:3px solid var(--line);margin-top:28px;padding-top:14px}section.scenario.failed{border-top-color:var(--bad)}section.scenario.passed{border-top-color:var(--ok)}section.scenario.interrupted{border-top-color:var(--warn)}section.scenario.skipped{border-top-color:#6e7781}
.shead{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}.sub{color:var(--muted);font-size:12.5px;margin:4px 0}
.nemesis table{font-size:13px;margin-bottom:8px}.nemesis .kind{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.verdicts td.st{width:1%}.verdicts .ev{color:var(--muted);font-size:12px}
.verdict-line{font-size:14px;margin:8px 0}
pre.error{background:#fff5f5;border:1px solid #ffcecb;padding:8px;white-space:pre-wrap;max-height:260px;overflow:auto}
.charts{margin:8px 0}.panel{margin-bottom:4px}
.u-legend{font-size:12px;text-align:left;margin:0 0 0 60px}.u-legend th,.u-legend td{background:none;border:0;font-weight:normal;color:inherit;vertical-align:middle;font-size:12px;padding:0 3px}.u-legend .u-value{font-variant-numeric:tabular-nums}.u-legend .u-marker{width:12px;height:3px}
.fault-key{font-size:12px;margin:2px 0 6px}.fault-key>div{margin:2px 0}.fault-key .fk-swatch{display:inline-block;width:22px;height:10px;border-radius:2px;margin-right:6px;opacity:.85;vertical-align:middle}
.fault-key .fk-item{margin-right:12px;white-space:nowrap}
.lane-key span{display:inline-block;padding:0 6px;margin-right:4px;border-radius:3px;font-size:11px}
.events td.t{white-space:nowrap;font-variant-numeric:tabular-nums}.events tr.fault td.k{color:var(--bad);font-weight:600}.events tr.move td.k{color:#2f5fd0;font-weight:600}.events tr.step{color:var(--muted)}
.num{display:inline-block;min-width:18px;text-align:center;border-radius:3px;color:#fff;font-size:11px;font-weight:700;padding:0 3px}.num.fault{background:rgba(207,34,46,.8)}.num.move{background:#2f5fd0}
.states{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:10px}.state td,.state th{white-space:nowrap}.state .muted{font-size:12px}
.state{border:1px solid var(--line);border-radius:6px;padding:6px 8px}.state h5{margin:0 0 4px;font-size:12.5px}.state table{font-size:12px;width:100%}.state td,.state th{padding:1px 6px}
.state .muted,.muted{color:var(--muted)}
.metrics{font-size:12.5px}.metrics td.val{font-family:ui-monospace,monospace;font-size:12px;white-space:nowrap}.metrics td:last-child{font-size:12px}
.metrics pre.val,pre.history{margin:0;white-space:pre-wrap}pre.history{background:var(--bg2);padding:4px 8px;display:inline-block}
.loss-matrix,.promotion,.nodes-at-end{font-size:13px}.loss-matrix td.mono{font-size:11.5px}.warn-t{color:var(--warn)}
details>summary{cursor:pointer;color:var(--muted)}
pre.log{background:#0d1117;color:#c9d1d9;padding:8px;max-height:360px;overflow:auto;white-space:pre-wrap;word-break:break-all;border-radius:6px}
pre.log .ERROR{color:#ffa198;font-weight:600}pre.log .FATAL{color:#ff7b72;font-weight:700;background:#3d1214}pre.log .PANIC{color:#fff;background:#a40e26;font-weight:700}
.nowrap{white-space:nowrap}.logcount{font-size:11px;margin-left:4px}
`;
