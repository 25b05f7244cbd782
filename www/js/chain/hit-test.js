// Hit-testing on <ptheta-chain>'s overlay: which sample a click lands nearest to, and which
// inspector arrow the pointer is over. Plain functions of numbers, separable from the element.

/** A pointer event's position in data units on a square layer showing [−half, half]². */
export function eventToData(e, rect, half) {
  return {
    x: ((e.clientX - rect.left) / rect.width) * 2 * half - half,
    y: half - ((e.clientY - rect.top) / rect.height) * 2 * half,
  };
}

/** A pointer event's position in a canvas's own pixels (which may be device pixels). */
export function eventToCanvas(e, canvas) {
  const r = canvas.getBoundingClientRect();
  const k = canvas.width / r.width;
  return { px: (e.clientX - r.left) * k, py: (e.clientY - r.top) * k, k };
}

/** Index of the point of [x0, y0, x1, y1, …] nearest to (x, y). */
export function nearestSample(points, x, y) {
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < points.length; i += 2) {
    const d = (points[i] - x) ** 2 + (points[i + 1] - y) ** 2;
    if (d < bestD) { bestD = d; best = i / 2; }
  }
  return best;
}

/** Distance from a point to a segment {x0, y0, x1, y1}, all in canvas pixels. */
export function segmentDistance(px, py, { x0, y0, x1, y1 }) {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy || 1e-12;
  const u = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
  return Math.hypot(px - (x0 + u * dx), py - (y0 + u * dy));
}

/** The `term` of the segment nearest to (px, py) closer than `within` pixels, else null. */
export function nearestSegment(segments, px, py, within) {
  let best = null;
  let bestD = within;
  for (const s of segments) {
    const d = segmentDistance(px, py, s);
    if (d < bestD) { bestD = d; best = s.term; }
  }
  return best;
}
