//! The one histogram of 2-D points: the samples of a chain (CPU, or `histogram.wgsl` on the GPU),
//! the data they are compared with, and the forward process all go through these bins, so two
//! histograms on the page are always binned alike.
//!
//! Bins: `bins × bins` cells over [−half, half]², row 0 at y = −half; a point in cell
//! (⌊(x + half)·scale⌋, ⌊(y + half)·scale⌋) with scale = bins / (2·half); points outside are not
//! counted. The arithmetic is f32 with `scale` computed once here, because the WGSL kernel does
//! exactly these f32 operations with the same `scale` passed in, and so lands every point in the
//! same cell as this code.

use crate::catalog::HISTOGRAM_BINS;

/// The f32 scale of a histogram, or a refusal of its size.
pub fn scale(bins: usize, half: f32) -> Result<f32, String> {
    if (bins as u64) < HISTOGRAM_BINS.min || bins as u64 > HISTOGRAM_BINS.max || !(half > 0.0 && half.is_finite()) {
        return Err(format!(
            "a histogram needs {}–{} bins and a positive, finite half-width (got {bins} bins, half {half})",
            HISTOGRAM_BINS.min, HISTOGRAM_BINS.max
        ));
    }
    Ok(bins as f32 / (2.0 * half))
}

/// The cell of point (x, y), or None outside the square.
pub fn cell(x: f32, y: f32, bins: usize, half: f32, scale: f32) -> Option<usize> {
    let bx = ((x + half) * scale).floor();
    let by = ((y + half) * scale).floor();
    let n = bins as f32;
    (bx >= 0.0 && by >= 0.0 && bx < n && by < n).then(|| by as usize * bins + bx as usize)
}

/// Counts of the first two coordinates of each `dim`-long row of `points`.
pub fn counts(points: &[f32], dim: usize, bins: usize, half: f32) -> Result<Vec<f32>, String> {
    let scale = scale(bins, half)?;
    if dim < 2 || !points.len().is_multiple_of(dim) {
        return Err(format!("{} floats are not a list of {dim}-D points", points.len()));
    }
    let mut h = vec![0f32; bins * bins];
    for p in points.chunks_exact(dim) {
        if let Some(c) = cell(p[0], p[1], bins, half, scale) {
            h[c] += 1.0;
        }
    }
    Ok(h)
}
