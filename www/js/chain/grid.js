// How <ptheta-chain> shows a chain of images (a world such as the digits): its samples side by
// side as a grid of small images, x_t in one and x̂_0 — the network's prediction of x_0 from x_t —
// in the other, so the reader sees the prediction sharpen while x_t is still noise. Each pixel is
// shaded from paper to ink by its value between the catalog's `paper` and `ink` values (noise
// beyond them is clamped); the inspected sample is framed and its inspected pixel marked in both
// grids. A click on a pixel, or the arrow keys on a focused grid, pick it.
import { gridColumns } from '../../ptheta.js';
import { sizeCanvas, rgba, cssVar } from '../draw.js';

/** Image pixels between two samples (and around the grid). */
const GAP = 1;

export class ImageGrid {
  /**
   * `canvases`: the x_t grid's and the x̂_0 grid's; `image`: the catalog's image dataset entry
   * (side, paper, ink); `samples`: how many images it shows, the chain's first;
   * `onPick(sample, pixel)` when the reader picks a pixel.
   */
  constructor(canvases, image, samples, onPick) {
    this.canvases = canvases;
    this.image = image;
    this.samples = samples;
    this.cols = gridColumns(samples);
    this.rows = Math.ceil(samples / this.cols);
    this.onPick = onPick;
    this.abort = new AbortController();
    const { signal } = this.abort;
    for (const canvas of canvases) {
      canvas.addEventListener('click', (e) => this.#click(e, canvas), { signal });
      canvas.addEventListener('keydown', (e) => this.#key(e), { signal });
    }
    this.last = null;
  }

  /** Image pixels across the grid (and down: the grid is drawn in a square). */
  get units() { return GAP + Math.max(this.cols, this.rows) * (this.image.side + GAP); }

  /** The top-left image pixel of sample `k`'s image. */
  #origin(k) {
    const step = this.image.side + GAP;
    return [GAP + (k % this.cols) * step, GAP + Math.floor(k / this.cols) * step];
  }

  /**
   * Draws x_t and the `prediction` x̂_0 (or, where there is none, x_t again: at t = 0 the
   * samples themselves) with `sample`'s image framed and its `pixel` marked.
   */
  draw({ x, prediction, sample, pixel }) {
    this.last = { x, prediction, sample, pixel };
    const el = this.canvases[0];
    const colors = {
      paper: rgba(cssVar(el, '--paper')), ink: rgba(cssVar(el, '--fg')), gap: rgba(cssVar(el, '--line')), mark: cssVar(el, '--focus'),
    };
    this.#drawOne(this.canvases[0], x, colors);
    this.#drawOne(this.canvases[1], prediction ?? x, colors);
  }

  /** Redraws the last frame (a new size or theme). */
  redraw() { if (this.last) this.draw(this.last); }

  #drawOne(canvas, values, colors) {
    const { side, paper, ink } = this.image;
    const dim = side * side;
    const u = this.units;
    // one image's worth of pixels and one small canvas, kept from frame to frame
    if (this.pixels?.width !== u) {
      this.pixels = new ImageData(u, u);
      this.scratch ??= document.createElement('canvas');
      this.scratch.width = u;
      this.scratch.height = u;
    }
    const data = this.pixels.data;
    const put = (i, r, g, b) => { data[4 * i] = r; data[4 * i + 1] = g; data[4 * i + 2] = b; data[4 * i + 3] = 255; };
    const [gr, gg, gb] = colors.gap.map((c) => c * 255);
    for (let i = 0; i < u * u; i++) put(i, gr, gg, gb);
    const [pr, pg, pb] = colors.paper.map((c) => c * 255);
    const [dr, dg, db] = colors.ink.map((c, j) => (c - colors.paper[j]) * 255);
    for (let k = 0; k < this.samples; k++) {
      const [ox, oy] = this.#origin(k);
      for (let p = 0; p < dim; p++) {
        const a = Math.min(1, Math.max(0, (values[k * dim + p] - paper) / (ink - paper)));
        put((oy + Math.floor(p / side)) * u + ox + (p % side), pr + a * dr, pg + a * dg, pb + a * db);
      }
    }
    this.scratch.getContext('2d').putImageData(this.pixels, 0, 0);
    const w = sizeCanvas(canvas);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, w, w);
    ctx.drawImage(this.scratch, 0, 0, w, w);
    // the inspected sample framed, its pixel outlined
    const s = w / u;
    const { sample, pixel } = this.last;
    // a sample beyond the images shown is inspected all the same, with no frame to draw
    if (sample >= this.samples) return;
    const [ox, oy] = this.#origin(sample);
    ctx.strokeStyle = colors.mark;
    ctx.lineWidth = Math.max(1, s / 3);
    ctx.strokeRect((ox - GAP / 2) * s, (oy - GAP / 2) * s, (side + GAP) * s, (side + GAP) * s);
    ctx.lineWidth = Math.max(1, s / 5);
    ctx.strokeRect((ox + (pixel % side)) * s, (oy + Math.floor(pixel / side)) * s, s, s);
  }

  /** The sample and pixel under a click, if it is on an image. */
  #click(e, canvas) {
    const box = canvas.getBoundingClientRect();
    const u = this.units;
    const gx = Math.floor(((e.clientX - box.left) / box.width) * u);
    const gy = Math.floor(((e.clientY - box.top) / box.height) * u);
    const step = this.image.side + GAP;
    const [col, row] = [Math.floor((gx - GAP) / step), Math.floor((gy - GAP) / step)];
    const [px, py] = [(gx - GAP) % step, (gy - GAP) % step];
    const k = row * this.cols + col;
    if (col < 0 || col >= this.cols || k >= this.samples || px >= this.image.side || py >= this.image.side) return;
    this.onPick(k, py * this.image.side + px);
  }

  /** Arrow keys move the inspected pixel within its image; Home goes to its first pixel. */
  #key(e) {
    if (!this.last) return;
    const side = this.image.side;
    const { sample, pixel } = this.last;
    const [x, y] = [pixel % side, Math.floor(pixel / side)];
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    let next = null;
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      next = Math.min(side - 1, Math.max(0, y + dy)) * side + Math.min(side - 1, Math.max(0, x + dx));
    } else if (e.key === 'Home') next = 0;
    if (next === null) return;
    e.preventDefault();
    this.onPick(sample, next);
  }

  /** Stops listening (the chain was replaced). */
  free() { this.abort.abort(); }
}

/**
 * One pixel's part of an inspection of a whole image: every vector cut down to that pixel's
 * value, named by `pixel` (its index, row and column), so the inspector shows the step of one
 * number with the same equations as a point's.
 */
export function pixelInspection(ins, pixel, side) {
  const out = { ...ins, pixel: { index: pixel, row: Math.floor(pixel / side), col: pixel % side } };
  for (const [k, v] of Object.entries(ins)) {
    if (Array.isArray(v) && v.length === side * side) out[k] = [v[pixel]];
    // the raw output of a model that learns its variance holds both halves: value, then variance
    else if (Array.isArray(v) && v.length === 2 * side * side) out[k] = [v[pixel], v[side * side + pixel]];
  }
  return out;
}
