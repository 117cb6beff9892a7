// Charts drawn as inline SVG from the API's numbers: bars and lines with labelled axes.
//
// Why by hand: no third-party script may run (ADR 0010), and a chart here is a few rectangles
// or a polyline over two axes. Titles and axis names are label keys, so the language switch
// relabels a chart like any other text; the figures are the API's, only scaled to the box.

import { el } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 420;
const H = 240;
const PAD = { left: 74, right: 10, top: 12, bottom: 46 };
let charts = 0;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "i18n") node.dataset.i18n = value;
    else if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

/** A round top for the y axis: 1, 2 or 5 × a power of ten at or above `max`. */
function top(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max);
}

/** The frame every chart shares: title, y ticks and grid, axis names; `plot(x, y)` draws. */
function frame(titleKey, xKey, yKey, xLabels, max, plot, legend = []) {
  const id = `chart-${++charts}`;
  const high = top(max);
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + innerH - (v / high) * innerH;
  const step = innerW / Math.max(1, xLabels.length);
  const x = (i) => PAD.left + step * i;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": id, class: "chart" });
  root.append(svg("title", { id, i18n: titleKey }));
  // every figure charted is a whole number (people, trees, grams): no tick halfway between two
  for (const tick of [0, high / 2, high].filter(Number.isInteger)) {
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(tick), y2: y(tick), class: "grid" }));
    root.append(svg("text", { x: PAD.left - 4, y: y(tick) + 4, class: "tick end", text: tick.toLocaleString() }));
  }
  const every = Math.ceil(xLabels.length / 7);
  xLabels.forEach((name, i) => {
    if (i % every === 0) {
      root.append(svg("text", { x: x(i) + step / 2, y: H - PAD.bottom + 14, class: "tick middle", text: name }));
    }
  });
  root.append(svg("text", { x: PAD.left + innerW / 2, y: H - 6, class: "axis middle", i18n: xKey }));
  root.append(svg("text", { x: 12, y: PAD.top + innerH / 2, class: "axis middle", transform: `rotate(-90 12 ${PAD.top + innerH / 2})`, i18n: yKey }));
  plot(root, x, y, step);
  const figure = el("figure", { class: "chart-box" }, root);
  figure.append(el("figcaption", { i18n: titleKey }));
  if (legend.length) {
    figure.append(el("ul", { class: "legend" }, ...legend.map(([key, cls]) => el("li", { class: cls }, el("span", { class: "swatch", "aria-hidden": "true" }), el("span", { i18n: key })))));
  }
  return figure;
}

/** One bar per label: `values[i]` over `labels[i]`. */
export function bars(titleKey, xKey, yKey, labels, values) {
  return frame(titleKey, xKey, yKey, labels, Math.max(0, ...values), (root, x, y, step) => {
    values.forEach((value, i) => {
      const height = y(0) - y(value);
      root.append(svg("rect", { x: x(i) + step * 0.15, y: y(value), width: step * 0.7, height, class: "mark bar" }, svg("title", { text: `${labels[i]}: ${value.toLocaleString()}` })));
    });
  });
}

/** One line per series `{key, cls, values}` over the same `labels`. */
export function lines(titleKey, xKey, yKey, labels, series) {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const legend = series.map((s) => [s.key, s.cls]);
  return frame(titleKey, xKey, yKey, labels, max, (root, x, y, step) => {
    for (const s of series) {
      const points = s.values.map((v, i) => `${x(i) + step / 2},${y(v)}`).join(" ");
      root.append(svg("polyline", { points, class: `mark line ${s.cls}` }));
      s.values.forEach((v, i) => root.append(svg("circle", { cx: x(i) + step / 2, cy: y(v), r: 2.5, class: `dot ${s.cls}` })));
    }
  }, legend);
}
