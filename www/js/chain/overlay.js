// The overlay layer of <ptheta-chain>: the drift field μ_θ(x, t) − x on a grid, the ring around
// the inspected sample, and the inspector's arrows (μ_θ − x_t, σ_θ z, ε̂, x̂_0). Each function
// draws on a 2-D context in canvas pixels from numbers in data units and returns what the element
// needs afterwards (the arrows' segments for hit-testing, the scale it used).
import { arrow, toCanvas } from '../draw.js';

/**
 * The inspector's terms, each an arrow on the overlay and a coloured term in the equations, with
 * the message of its legend entry. The names are the fields of an inspection they come from
 * (σ_θ z is `noise`) and the CSS classes that colour them (term-*, --c-*); the order is the legend's.
 */
export const TERM_MESSAGES = { mean: 'insp.meanStep', noise: 'insp.noise', eps: 'insp.eps', x0: 'insp.x0' };
export const TERMS = Object.keys(TERM_MESSAGES);
/** Round magnifications for the short mean step and noise, the largest that keeps them on screen. */
const MAGNIFICATIONS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/** Line width of the overlay's arrows on a layer `width` pixels wide. */
export const lineWidth = (width) => Math.max(2, width / 250);

/** The drift field of a model, from the same conversion the chain uses (src/lesson.rs). */
export class DriftField {
  constructor(api, weights, steps, variance, { grid, half }) {
    this.field = new api.LessonField(weights, steps, variance);
    this.n = grid;
    this.points = api.LessonField.grid(grid, half);
  }

  /** μ_θ(x, t) − x at every grid point, [dx0, dy0, …]. */
  drift(t) { return this.field.drift(t, this.points); }

  free() { this.field.free(); }
}

/**
 * Arrows of the drift field, scaled so the longest fills most of a grid cell (a step's drift is
 * small). Returns the longest drift, in data units.
 */
export function drawField(ctx, field, drift, { half, width, color }) {
  const { X, Y } = toCanvas(half, width);
  const g = field.points;
  let max = 1e-12;
  for (let i = 0; i < drift.length; i += 2) max = Math.max(max, Math.hypot(drift[i], drift[i + 1]));
  const k = (0.9 * (2 * half / field.n)) / max;
  ctx.globalAlpha = 0.8;
  const lw = lineWidth(width) * 0.7;
  for (let i = 0; i < drift.length; i += 2) {
    arrow(ctx, X(g[i]), Y(g[i + 1]), X(g[i] + k * drift[i]), Y(g[i + 1] + k * drift[i + 1]), color, lw);
  }
  ctx.globalAlpha = 1;
  return max;
}

/** A ring around the point `at` ([x, y]): the inspected sample. */
export function drawMarker(ctx, at, { half, width, color }) {
  const { X, Y } = toCanvas(half, width);
  const lw = lineWidth(width);
  ctx.strokeStyle = color;
  ctx.lineWidth = lw;
  ctx.beginPath();
  ctx.arc(X(at[0]), Y(at[1]), 4 * lw, 0, 2 * Math.PI);
  ctx.stroke();
}

/**
 * The inspector's arrows for one inspection. One reverse step is short: the mean step and the
 * noise are magnified by a round factor (said in the legend) so that they can be seen, while ε̂
 * and x̂_0 are drawn to scale. `colors(term)` gives each arrow's colour; `highlight` names the
 * term drawn thicker (the others fade). Returns { magnification, segments: [{ term, x0, y0, x1,
 * y1 }] } in canvas pixels.
 */
export function drawInspection(ctx, ins, { half, width, colors, highlight = null }) {
  const { X, Y } = toCanvas(half, width);
  const lw = lineWidth(width);
  const [x, y] = ins.x_t;
  const mean = ins.mean_step;
  const noise = ins.noise;
  const len = Math.max(Math.hypot(...mean), Math.hypot(...noise), 1e-9);
  const mag = MAGNIFICATIONS.filter((m) => m * len <= 1.2).pop() ?? 1;
  const tips = {
    x0: [ins.x0[0], ins.x0[1]],
    eps: [x + ins.eps[0], y + ins.eps[1]],
    mean: [x + mag * mean[0], y + mag * mean[1]],
  };
  // The noise arrow starts where the (magnified) mean arrow ends: x_{t−1} = μ + σz.
  tips.noise = [tips.mean[0] + mag * noise[0], tips.mean[1] + mag * noise[1]];
  const from = { x0: [x, y], eps: [x, y], mean: [x, y], noise: tips.mean };
  // the model's beliefs, ε̂ and x̂_0, are dashed
  const dashed = { x0: true, eps: true, mean: false, noise: false };
  const segments = [];
  for (const term of Object.keys(tips)) {
    const [a, b] = [from[term], tips[term]];
    const hl = highlight === term;
    ctx.globalAlpha = highlight && !hl ? 0.35 : 1;
    arrow(ctx, X(a[0]), Y(a[1]), X(b[0]), Y(b[1]), colors(term), hl ? lw * 2 : lw * 1.2, dashed[term]);
    segments.push({ term, x0: X(a[0]), y0: Y(a[1]), x1: X(b[0]), y1: Y(b[1]) });
  }
  ctx.globalAlpha = 1;
  return { magnification: mag, segments };
}
