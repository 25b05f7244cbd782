// Drawing helpers shared by the chain's layers (backend.js, <ptheta-chain>) and the panels that
// draw points (schedule, compare): canvas sizing, data → canvas coordinates, points with the
// catalog's radius (the rule the WebGPU renderer uses too), arrows and theme colours. Call them
// after the wasm module is loaded (lesson-wasm.js): the radius and the trails' opacity are Rust's.
import { pointRadius, trailAlpha } from '../ptheta.js';

/**
 * Gives a square canvas as many pixels as it has device pixels across (`cssWidth`, by default its
 * own width on the page); returns that width. Leaves the canvas alone (and its drawing) when it
 * already has that size.
 */
export function sizeCanvas(canvas, cssWidth = canvas.clientWidth) {
  const w = Math.max(1, Math.round(cssWidth * devicePixelRatio));
  if (canvas.width !== w || canvas.height !== w) { canvas.width = w; canvas.height = w; }
  return w;
}

/** Data → canvas pixels on a square layer `width` pixels wide that shows [−half, half]². */
export function toCanvas(half, width) {
  const s = width / (2 * half);
  return { scale: s, X: (x) => (x + half) * s, Y: (y) => (half - y) * s };
}

/** A CSS custom property of `el` (a theme colour such as --ink), trimmed. */
export const cssVar = (el, name) => getComputedStyle(el).getPropertyValue(name).trim();

/**
 * Draws points [x0, y0, x1, y1, …] in the current fill style, each with the catalog's radius for
 * a layer of this width: squares (the samples, as the WebGPU renderer draws them) or `round`
 * dots (the data in the background).
 */
export function drawPoints(ctx, points, { half, width, round = false }) {
  const { X, Y } = toCanvas(half, width);
  const r = pointRadius(width);
  for (let i = 0; i < points.length; i += 2) {
    if (round) {
      ctx.beginPath();
      ctx.arc(X(points[i]), Y(points[i + 1]), r, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.fillRect(X(points[i]) - r, Y(points[i + 1]) - r, 2 * r, 2 * r);
    }
  }
}

/**
 * Draws x_t and the earlier states behind it, older ones fainter by the catalog's rule.
 * `layers`: [{ back, points }], back = 0 for x_t; drawn oldest first so x_t lands on top.
 */
export function drawTrails(ctx, layers, { half, width, color }) {
  ctx.fillStyle = color;
  const sorted = [...layers].sort((a, b) => b.back - a.back);
  for (const { back, points } of sorted) {
    ctx.globalAlpha = trailAlpha(back, sorted.length);
    drawPoints(ctx, points, { half, width });
  }
  ctx.globalAlpha = 1;
}

/** An arrow from (x0, y0) to (x1, y1) in canvas pixels; dashed for the model's beliefs. */
export function arrow(ctx, x0, y0, x1, y1, color, width, dashed = false) {
  const a = Math.atan2(y1 - y0, x1 - x0);
  const head = Math.min(4 * width + 4, Math.hypot(x1 - x0, y1 - y0) * 0.6);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = width;
  ctx.setLineDash(dashed ? [3 * width, 2 * width] : []);
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - head * Math.cos(a - 0.45), y1 - head * Math.sin(a - 0.45));
  ctx.lineTo(x1 - head * Math.cos(a + 0.45), y1 - head * Math.sin(a + 0.45));
  ctx.closePath();
  ctx.fill();
}

let colorContext = null;
/** Any CSS colour → [r, g, b, a] in 0–1, through the browser's own parser. */
export function rgba(color) {
  colorContext ??= document.createElement('canvas').getContext('2d');
  colorContext.fillStyle = '#000';
  colorContext.fillStyle = color;
  const c = colorContext.fillStyle;
  if (c.startsWith('#')) {
    return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16) / 255).concat(1);
  }
  const [r, g, b, a = 1] = c.match(/[\d.]+/g).map(Number);
  return [r / 255, g / 255, b / 255, a];
}
