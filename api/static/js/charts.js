// Accessible inline SVG charts drawn from JSON: each has a <title> and <desc>, a title per
// bar or point, and the numbers in a data table for screen readers and copying.
import { h, s } from "./dom.js";

const WIDTH = 640;
let counter = 0;

const TICKS = 4;

// The smallest "round" top of the axis at or above `value`, so the four grid steps are round
// numbers too (a count of 3 gets 0 1 2 3 4, not 0 1.3 2.5 3.8 5).
function niceMax(value, whole = true) {
  if (!(value > 0)) return TICKS;
  const raw = value / TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= raw);
  if (whole) step = Math.max(1, Math.ceil(step));
  return step * TICKS;
}

function frame(title, description, height) {
  const id = `chart-${++counter}`;
  const svg = s(
    "svg",
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      class: "chart-svg",
      preserveAspectRatio: "xMinYMin meet",
    },
    s("title", { id: `${id}-title` }, title),
    s("desc", { id: `${id}-desc` }, description),
  );
  return { id, svg };
}

function dataTable(title, labels, series, format) {
  const head = h("tr", {}, h("th", { scope: "col" }, ""), series.map((x) => h("th", { scope: "col" }, x.name)));
  const rows = labels.map((label, i) =>
    h("tr", {}, h("th", { scope: "row" }, label), series.map((x) => h("td", { class: "num" }, format(x.values[i])))),
  );
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, "Data table"),
    h("table", {}, h("caption", {}, title), h("thead", {}, head), h("tbody", {}, rows)),
  );
}

function legend(series, always) {
  if (series.length < 2 && !always) return null;
  return h(
    "ul",
    { class: "legend" },
    series.map((x, j) => h("li", {}, h("span", { class: `swatch series-${j}`, "aria-hidden": "true" }), x.name)),
  );
}

function figure(title, svg, labels, series, format, alwaysLegend = false) {
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title),
    svg,
    legend(series, alwaysLegend),
    dataTable(title, labels, series, format),
  );
}

function empty(svg, height) {
  svg.append(s("text", { x: WIDTH / 2, y: height / 2, class: "chart-empty", "text-anchor": "middle" }, "No data in this range"));
}

// Horizontal bars, one group per label and one bar per series (readable with long labels).
export function barChart({ title, description, labels, series, format = String, max, whole = true }) {
  const bar = 16;
  const band = bar * series.length + 10;
  const left = 160;
  const right = 70;
  const height = Math.max(60, labels.length * band + 16);
  const { svg } = frame(title, description, height);
  const values = series.flatMap((x) => x.values).filter((v) => typeof v === "number");
  const top = max ?? niceMax(Math.max(0, ...values), whole);
  const scale = (v) => ((WIDTH - left - right) * Math.max(0, v)) / top;
  if (!labels.length) empty(svg, height);
  labels.forEach((label, i) => {
    const y0 = 8 + i * band;
    svg.append(s("text", { x: left - 8, y: y0 + (bar * series.length) / 2 + 4, "text-anchor": "end", class: "axis-label" }, label));
    series.forEach((x, j) => {
      const v = x.values[i];
      const y = y0 + j * bar;
      const shown = typeof v === "number" ? format(v) : "n/a";
      svg.append(
        s(
          "rect",
          { x: left, y, width: typeof v === "number" ? scale(v) : 0, height: bar - 2, class: `bar series-${j}`, "data-label": label, "data-series": x.name, "data-value": v ?? "" },
          s("title", {}, `${label}${series.length > 1 ? `, ${x.name}` : ""}: ${shown}`),
        ),
        s("text", { x: left + (typeof v === "number" ? scale(v) : 0) + 4, y: y + bar - 5, class: "value-label" }, shown),
      );
    });
  });
  return figure(title, svg, labels, series, (v) => (typeof v === "number" ? format(v) : "n/a"));
}

// Lines over time, one per series; every point carries its value.
export function lineChart({ title, description, labels, series, format = String }) {
  const height = 240;
  const pad = { left: 44, right: 36, top: 12, bottom: 36 };
  const { svg } = frame(title, description, height);
  const values = series.flatMap((x) => x.values);
  const top = niceMax(Math.max(0, ...values));
  const plotW = WIDTH - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const x = (i) => pad.left + (labels.length > 1 ? (plotW * i) / (labels.length - 1) : plotW / 2);
  const y = (v) => pad.top + plotH - (plotH * v) / top;
  for (let k = 0; k <= TICKS; k++) {
    const v = (top * k) / TICKS;
    svg.append(s("line", { x1: pad.left, x2: WIDTH - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: pad.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis-label" }, format(v)));
  }
  const every = Math.max(1, Math.ceil(labels.length / 8));
  labels.forEach((label, i) => {
    if (i % every === 0) svg.append(s("text", { x: x(i), y: height - 12, "text-anchor": "middle", class: "axis-label" }, label));
  });
  if (!labels.length) empty(svg, height);
  series.forEach((line, j) => {
    const points = line.values.map((v, i) => `${x(i)},${y(v)}`).join(" ");
    svg.append(s("polyline", { points, class: `line series-${j}`, fill: "none" }));
    line.values.forEach((v, i) => {
      svg.append(
        s(
          "circle",
          { cx: x(i), cy: y(v), r: 3, class: `point series-${j}`, "data-label": labels[i], "data-series": line.name, "data-value": v },
          s("title", {}, `${labels[i]}, ${line.name}: ${format(v)}`),
        ),
      );
    });
  });
  return figure(title, svg, labels, series, format, true);
}
