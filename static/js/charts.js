// Charts of the overview and calibration pages, drawn with the vendored uPlot.
//
// Each chart is an element `<div class="chart" data-chart="ID">` whose spec is the JSON of
// `<script type="application/json" id="ID">` (Django's json_script): no inline script, no
// style attribute (the page's Content-Security-Policy allows neither). The spec, built by
// faceadmin/dashboard/charts.py:
//   {kind: "bars"|"lines", x: [...], xTime: bool, xLabels: [...]|null, yLabel, xLabel,
//    series: [{label, values, style: "solid"|"hatched"|"dashed"|"dotted"}], marker: {x, label}}
// Series differ by pattern and marker as well as colour, and every chart has its numbers in
// a table next to it, so nothing depends on colour alone.
(function () {
  "use strict";

  const INK = ["#1f4e79", "#b34a00", "#2d6a2d", "#6b2d8f"];
  const MARKERS = ["circle", "square", "triangle", "diamond"];

  function hatch(ctx, color) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const t = tile.getContext("2d");
    t.fillStyle = "#ffffff";
    t.fillRect(0, 0, 8, 8);
    t.strokeStyle = color;
    t.lineWidth = 2;
    t.beginPath();
    t.moveTo(0, 8);
    t.lineTo(8, 0);
    t.moveTo(-2, 2);
    t.lineTo(2, -2);
    t.moveTo(6, 10);
    t.lineTo(10, 6);
    t.stroke();
    return ctx.createPattern(tile, "repeat");
  }

  function markerPath(shape) {
    // uPlot draws point markers from one Path2D; shapes tell series apart in grey.
    return (u, seriesIdx, idx0, idx1, filtIdxs) => {
      const series = u.series[seriesIdx];
      const data = u.data[seriesIdx];
      const size = 4 * devicePixelRatio;
      const path = new Path2D();
      const one = (i) => {
        if (data[i] == null) return;
        const x = u.valToPos(u.data[0][i], "x", true);
        const y = u.valToPos(data[i], series.scale, true);
        if (shape === "square") path.rect(x - size, y - size, 2 * size, 2 * size);
        else if (shape === "triangle") {
          path.moveTo(x, y - size * 1.2);
          path.lineTo(x + size * 1.1, y + size);
          path.lineTo(x - size * 1.1, y + size);
          path.closePath();
        } else if (shape === "diamond") {
          path.moveTo(x, y - size * 1.3);
          path.lineTo(x + size, y);
          path.lineTo(x, y + size * 1.3);
          path.lineTo(x - size, y);
          path.closePath();
        } else {
          path.moveTo(x + size, y);
          path.arc(x, y, size, 0, 2 * Math.PI);
        }
      };
      if (filtIdxs) filtIdxs.forEach(one);
      else for (let i = idx0; i <= idx1; i++) one(i);
      return { fill: path, stroke: path };
    };
  }

  function everyNth(data) {
    // Markers on every point of a short series, on about a dozen (and the last) of a long one.
    const step = data.length > 40 ? Math.ceil(data.length / 12) : 1;
    return (u, seriesIdx) => {
      const ys = u.data[seriesIdx];
      const out = [];
      for (let i = 0; i < ys.length; i++) {
        if (ys[i] == null) continue;
        const alone = (i === 0 || ys[i - 1] == null) && (i === ys.length - 1 || ys[i + 1] == null);
        if (i % step === 0 || i === ys.length - 1 || alone) out.push(i);
      }
      return out;
    };
  }

  function markerPlugin(marker) {
    if (!marker) return { hooks: {} };
    return {
      hooks: {
        draw: (u) => {
          const ctx = u.ctx;
          const x = Math.round(u.valToPos(marker.x, "x", true));
          const top = u.bbox.top;
          const bottom = u.bbox.top + u.bbox.height;
          ctx.save();
          ctx.strokeStyle = "#1d2330";
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = "#1d2330";
          ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
          const pad = 4 * devicePixelRatio;
          // Beside the line, on the side with more room.
          const rightHalf = x > u.bbox.left + u.bbox.width / 2;
          ctx.textAlign = rightHalf ? "right" : "left";
          ctx.fillText(marker.label, rightHalf ? x - pad : x + pad, top + 14 * devicePixelRatio);
          ctx.restore();
        },
      },
    };
  }

  function build(el, spec) {
    const n = spec.series.length;
    const bars = spec.kind === "bars";
    const width = Math.max(260, el.clientWidth || 600);
    const height = width < 500 ? 220 : 280;
    const xs = spec.x;
    const series = [{ label: spec.xLabel || "" }];
    spec.series.forEach((s, i) => {
      const color = INK[i % INK.length];
      const one = { label: s.label, stroke: color, width: 2, scale: "y" };
      if (bars) {
        // Side by side within each slot, so no series hides another.
        one.paths = barsAt(i, n);
        one.fill = s.style === "hatched" ? (u) => hatch(u.ctx, color) : color;
        one.points = { show: false };
      } else {
        if (s.style === "dashed") one.dash = [8, 5];
        if (s.style === "dotted") one.dash = [2, 4];
        one.points = {
          show: true,
          size: 8,
          fill: color,
          stroke: color,
          paths: markerPath(MARKERS[i % MARKERS.length]),
          filter: everyNth(xs),
        };
      }
      series.push(one);
    });
    const labels = spec.xLabels;
    const axes = [
      {
        label: spec.xLabel || "",
        values: labels
          ? (u, splits) => splits.map((v) => (Number.isInteger(v) && labels[v] !== undefined ? labels[v] : ""))
          : undefined,
        rotate: labels ? -30 : 0,
        size: labels ? 70 : 50,
        space: labels ? 18 : 50,
        incrs: labels ? [1] : undefined,
      },
      { label: spec.yLabel || "", size: 56 },
    ];
    if (!labels) delete axes[0].rotate;
    const opts = {
      width,
      height,
      series,
      axes,
      scales: {
        x: bars
          ? { time: !!spec.xTime, range: () => barRange(xs) }
          : { time: !!spec.xTime },
        y: { range: (u, min, max) => [0, Math.max(spec.yMax || 0, max > 0 ? max * 1.1 : 1)] },
      },
      legend: { show: true, live: false },
      cursor: { show: true, points: { show: false } },
      plugins: [markerPlugin(spec.marker)],
    };
    if (spec.xTime) axes[0].values = undefined;
    const data = [xs, ...spec.series.map((s) => s.values)];
    el.textContent = "";
    return new uPlot(opts, data, el);
  }

  function barRange(xs) {
    if (!xs.length) return [0, 1];
    const gap = xs.length > 1 ? (xs[xs.length - 1] - xs[0]) / (xs.length - 1) : 1;
    return [xs[0] - gap / 2, xs[xs.length - 1] + gap / 2];
  }

  function barsAt(index, count) {
    // Bar `index` of `count` in each x slot: width and offset as shares of the slot.
    const share = 0.8 / count;
    return (u, seriesIdx, idx0, idx1) => {
      const xs = u.data[0];
      const gap = xs.length > 1 ? Math.abs(u.valToPos(xs[1], "x", true) - u.valToPos(xs[0], "x", true)) : u.bbox.width / 2;
      const barWidth = Math.max(1, gap * share);
      const fill = new Path2D();
      const stroke = new Path2D();
      const ys = u.data[seriesIdx];
      const y0 = u.valToPos(0, "y", true);
      for (let i = idx0; i <= idx1; i++) {
        if (ys[i] == null) continue;
        const cx = u.valToPos(xs[i], "x", true);
        const left = cx - gap * 0.4 + index * barWidth;
        const y = u.valToPos(ys[i], "y", true);
        fill.rect(left, y, barWidth, y0 - y);
        stroke.rect(left, y, barWidth, y0 - y);
      }
      return { fill, stroke };
    };
  }

  const charts = new Map();

  function drawAll(root) {
    if (typeof uPlot === "undefined") return;
    root.querySelectorAll("[data-chart]").forEach((el) => {
      const source = document.getElementById(el.dataset.chart);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      if (!spec.x || !spec.x.length) return;
      const old = charts.get(el);
      if (old) old.destroy();
      charts.set(el, build(el, spec));
      el.classList.add("drawn");
    });
  }

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => drawAll(document), 150);
  });
  document.addEventListener("DOMContentLoaded", () => drawAll(document));
  // The job page swaps its result in by htmx once the job has finished.
  document.addEventListener("htmx:afterSettle", (event) => drawAll(event.target));
})();
