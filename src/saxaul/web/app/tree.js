// My tree as a simple drawing that grows by stages as my energy nears its cost.
//
// Why stages and not a smooth scale: a seed, a sprout, a sapling, a young tree and a tree
// ready to plant read at a glance on a phone; the share itself comes from the API.

import { t } from "/common/i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const STAGES = 4;

function shape(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

/** Parts drawn from each stage on: ground and seed, then trunk, branches, crown, full crown. */
const PARTS = [
  [0, "ellipse", { cx: 60, cy: 108, rx: 50, ry: 8, class: "ground" }],
  [0, "circle", { cx: 60, cy: 102, r: 4, class: "seed" }],
  [1, "path", { d: "M60 104 C60 92 60 88 60 80 M60 90 C54 84 50 84 46 86", class: "stem" }],
  [2, "path", { d: "M60 104 L60 56 M60 78 L44 66 M60 70 L76 58", class: "stem" }],
  [3, "circle", { cx: 60, cy: 50, r: 22, class: "crown" }],
  [4, "circle", { cx: 42, cy: 62, r: 16, class: "crown" }],
  [4, "circle", { cx: 78, cy: 60, r: 16, class: "crown" }],
];

/** The drawing for `share` (0 to 1) of the way to a tree's cost. */
export function drawTree(share) {
  const stage = share >= 1 ? STAGES : Math.floor(share * STAGES);
  const svg = shape("svg", {
    viewBox: "0 0 120 120",
    class: "tree-drawing",
    role: "img",
    "data-stage": stage,
  });
  const title = shape("title", {});
  title.textContent = t(`tree.stage_${stage}`);
  svg.append(title);
  for (const [from, tag, attrs] of PARTS) if (stage >= from) svg.append(shape(tag, attrs));
  return svg;
}
