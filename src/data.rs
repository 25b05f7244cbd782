//! The worlds the denoisers learn: the 2-D datasets generated in code with fixed seeds, a user's
//! own points from CSV, and the 8×8 handwritten digits ([`crate::digits`]), a fixed set of images.
//! Every dataset is scaled to roughly unit spread around the origin, so one schedule suits them
//! all. The dimension belongs to the dataset ([`Dataset::dim`]); the 2-D views, the CSV format and
//! the quizzes are for the worlds in the plane ([`Dataset::PLANE`], [`PLANE_DIM`]).

use crate::catalog;
use crate::diffusion::rng::Rng;
use std::f64::consts::{PI, TAU};
use std::fmt;

/// Data dimension of every world in the plane (and of a user's CSV).
pub const PLANE_DIM: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), derive(clap::ValueEnum))]
#[cfg_attr(all(feature = "cli", not(target_arch = "wasm32")), value(rename_all = "kebab-case"))]
pub enum Dataset {
    /// Two interleaved half circles.
    Moons,
    /// A rolled-up spiral sheet seen from above.
    SwissRoll,
    /// Eight Gaussian blobs on a circle.
    EightGaussians,
    /// Squares of a 4×4 checkerboard.
    Checkerboard,
    /// Two concentric circles.
    Circles,
    /// The letters pθ drawn as strokes.
    Letters,
    /// 8×8 images of handwritten digits: 64 dimensions, not a 2-D world.
    Digits,
}

impl Dataset {
    pub const ALL: [Dataset; 7] = [
        Dataset::Moons,
        Dataset::SwissRoll,
        Dataset::EightGaussians,
        Dataset::Checkerboard,
        Dataset::Circles,
        Dataset::Letters,
        Dataset::Digits,
    ];
    /// The worlds in the plane: what the 2-D page, its views and its address offer.
    pub const PLANE: [Dataset; 6] = [
        Dataset::Moons,
        Dataset::SwissRoll,
        Dataset::EightGaussians,
        Dataset::Checkerboard,
        Dataset::Circles,
        Dataset::Letters,
    ];
    /// The dataset the page opens with and that ships with every parameterization.
    pub const DEFAULT: Dataset = Dataset::Moons;

    pub fn name(self) -> &'static str {
        match self {
            Dataset::Moons => "moons",
            Dataset::SwissRoll => "swiss-roll",
            Dataset::EightGaussians => "eight-gaussians",
            Dataset::Checkerboard => "checkerboard",
            Dataset::Circles => "circles",
            Dataset::Letters => "letters",
            Dataset::Digits => "digits",
        }
    }

    /// Values per data point.
    pub fn dim(self) -> usize {
        match self.image_side() {
            Some(side) => side * side,
            None => PLANE_DIM,
        }
    }

    /// Pixels per side where the points are square images, else None.
    pub fn image_side(self) -> Option<usize> {
        match self {
            Dataset::Digits => Some(crate::digits::SIDE),
            _ => None,
        }
    }

    /// Whether it is a world in the plane (one of [`Dataset::PLANE`]).
    pub fn is_plane(self) -> bool {
        Dataset::PLANE.contains(&self)
    }

    /// `n` points of a world in the plane, row-major (x, y), deterministic in `seed`. A fixed set
    /// of images has no generator: its images are read whole ([`crate::digits`]).
    pub fn sample(self, n: usize, seed: u64) -> Result<Vec<f32>, String> {
        if !self.is_plane() {
            return Err(format!(
                "{self} is a fixed set of {}-dimensional images, not a world in the plane that draws points",
                self.dim()
            ));
        }
        let mut rng = Rng::new(seed ^ 0x5eed_da7a);
        let mut out = Vec::with_capacity(n * PLANE_DIM);
        for _ in 0..n {
            let (x, y) = self.point(&mut rng);
            out.push(x as f32);
            out.push(y as f32);
        }
        Ok(out)
    }

    fn point(self, r: &mut Rng) -> (f64, f64) {
        match self {
            Dataset::Digits => unreachable!("sample() draws points of the worlds in the plane only"),
            Dataset::Moons => {
                let a = PI * r.uniform();
                let (x, y) = if r.uniform() < 0.5 {
                    (a.cos(), a.sin())
                } else {
                    (1.0 - a.cos(), 0.5 - a.sin())
                };
                (
                    (x - 0.5) * 1.6 + 0.06 * r.normal(),
                    (y - 0.25) * 1.6 + 0.06 * r.normal(),
                )
            }
            Dataset::SwissRoll => {
                let t = 1.5 * PI * (1.0 + 2.0 * r.uniform());
                let (x, y) = (t * t.cos(), t * t.sin());
                (x / 6.0 + 0.05 * r.normal(), y / 6.0 + 0.05 * r.normal())
            }
            Dataset::EightGaussians => {
                let k = r.below(8) as f64;
                let a = TAU * k / 8.0;
                (1.6 * a.cos() + 0.1 * r.normal(), 1.6 * a.sin() + 0.1 * r.normal())
            }
            Dataset::Checkerboard => {
                // Cells (i, j) of a 4×4 board with i + j even, each of side 0.8.
                let cell = r.below(8);
                let (row, half) = (cell / 2, cell % 2);
                let col = 2 * half + row % 2;
                let x = -1.6 + 0.8 * (col as f64 + r.uniform());
                let y = -1.6 + 0.8 * (row as f64 + r.uniform());
                (x, y)
            }
            Dataset::Circles => {
                let a = TAU * r.uniform();
                let rad = if r.uniform() < 0.5 { 0.75 } else { 1.75 };
                (rad * a.cos() + 0.05 * r.normal(), rad * a.sin() + 0.05 * r.normal())
            }
            Dataset::Letters => {
                let (x, y) = letters_stroke_point(r);
                (x + 0.04 * r.normal(), y + 0.04 * r.normal())
            }
        }
    }
}

/// A point on the strokes of "pθ": p is a stem and a bowl on the left, θ an ellipse with a bar on
/// the right; strokes are picked in proportion to their length so the ink is even.
fn letters_stroke_point(r: &mut Rng) -> (f64, f64) {
    // (length, generator) pairs; lengths are approximate perimeters.
    let stem = 2.4;
    let bowl = TAU * 0.5;
    let theta_ring = PI * (3.0 * (0.55 + 1.0) - ((3.0f64 * 0.55 + 1.0) * (0.55 + 3.0)).sqrt());
    let bar = 1.1;
    let total = stem + bowl + theta_ring + bar;
    let u = r.uniform() * total;
    let v = r.uniform();
    if u < stem {
        (-1.6, 1.0 - 2.4 * v)
    } else if u < stem + bowl {
        let a = TAU * v;
        (-1.1 + 0.5 * a.cos(), 0.5 + 0.5 * a.sin())
    } else if u < stem + bowl + theta_ring {
        let a = TAU * v;
        (0.95 + 0.55 * a.cos(), 0.1 + 1.0 * a.sin())
    } else {
        (0.95 + 0.55 * (2.0 * v - 1.0), 0.1)
    }
}

crate::names::named_enum!(Dataset, "dataset");

/// A CSV problem, with the 1-based line it was found on (0 when it is the whole text's size).
#[derive(Debug, Clone, PartialEq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl std::error::Error for CsvError {}

/// Characters of a bad line or value quoted back in an error: enough to find it, never a
/// megabyte echoed to the terminal.
pub const QUOTE_CHARS: usize = 80;

/// `text` in quotes, cut to [`QUOTE_CHARS`] characters with "…" where it is longer.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("'{}…'", &text[..cut]),
        None => format!("'{text}'"),
    }
}

/// Parses 2-D points, one `x,y` per line. Blank lines and lines starting with `#` are skipped;
/// a first line that is not numeric is taken as a header, and a leading byte-order mark is
/// ignored. The text, its points and every value are held to what pθ accepts
/// ([`catalog::CSV_BYTES`], [`catalog::CSV_ROWS`], the range of f32), each refusal naming its line.
pub fn parse_csv(text: &str) -> Result<Vec<f32>, CsvError> {
    if catalog::CSV_BYTES.check("CSV", text.len()).is_err() {
        return Err(CsvError {
            line: 0,
            message: format!(
                "the CSV is {} bytes, more than the {} pθ reads",
                text.len(),
                catalog::CSV_BYTES.max
            ),
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut seen_row = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let s = raw.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = s.split(',').map(str::trim).collect();
        if fields.len() != PLANE_DIM {
            return Err(CsvError {
                line,
                message: format!(
                    "expected 2 values 'x,y', found {} field(s) in {}",
                    fields.len(),
                    quote(s)
                ),
            });
        }
        let parsed: Vec<Result<f64, _>> = fields.iter().map(|f| f.parse::<f64>()).collect();
        if !seen_row && parsed.iter().all(|p| p.is_err()) {
            seen_row = true; // header
            continue;
        }
        seen_row = true;
        if out.len() / PLANE_DIM >= catalog::CSV_ROWS.max as usize {
            return Err(CsvError {
                line,
                message: format!("more than {} points, the most pθ reads", catalog::CSV_ROWS.max),
            });
        }
        for (f, p) in fields.iter().zip(parsed) {
            let message = match p {
                Ok(v) if v.is_finite() && v.abs() <= f32::MAX as f64 => {
                    out.push(v as f32);
                    continue;
                }
                Ok(v) if v.is_finite() => {
                    format!("{} is beyond the range of 32-bit floats (±{:.1e})", quote(f), f32::MAX)
                }
                Ok(_) => format!("{} is not a finite number", quote(f)),
                Err(_) => format!("{} is not a number", quote(f)),
            };
            return Err(CsvError { line, message });
        }
    }
    if out.is_empty() {
        return Err(CsvError {
            line: text.lines().count().max(1),
            message: "no data points found".into(),
        });
    }
    Ok(out)
}

/// Writes points of `dim` values, one line each, with a header: `x,y` in the plane; for square
/// images each pixel by row and column (`r0c0,r0c1,…`), row by row.
pub fn to_csv(points: &[f32], dim: usize) -> String {
    let side = (1..=dim).find(|s| s * s == dim).filter(|_| dim != PLANE_DIM);
    let header: Vec<String> = match side {
        Some(side) => (0..dim).map(|i| format!("r{}c{}", i / side, i % side)).collect(),
        None if dim == PLANE_DIM => vec!["x".into(), "y".into()],
        None => (0..dim).map(|i| format!("x{i}")).collect(),
    };
    let mut s = header.join(",") + "\n";
    for p in points.chunks(dim) {
        let row: Vec<String> = p.iter().map(f32::to_string).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

/// A CSV's points as a model trained on it saw them: parsed ([`parse_csv`]) and standardized.
/// `ptheta train --csv`, `ptheta eval --csv` and the page's `data="…"` all read a CSV here.
pub fn training_points(text: &str) -> Result<Vec<f32>, CsvError> {
    let mut points = parse_csv(text)?;
    standardize(&mut points);
    Ok(points)
}

/// Mean and standard deviation per dimension, used to put a user's CSV on the shipped scale.
pub fn standardize(points: &mut [f32]) -> ([f64; PLANE_DIM], [f64; PLANE_DIM]) {
    let n = (points.len() / PLANE_DIM) as f64;
    let mut mean = [0.0; PLANE_DIM];
    let mut sd = [0.0; PLANE_DIM];
    for p in points.chunks(PLANE_DIM) {
        for d in 0..PLANE_DIM {
            mean[d] += p[d] as f64 / n;
        }
    }
    for p in points.chunks(PLANE_DIM) {
        for d in 0..PLANE_DIM {
            sd[d] += (p[d] as f64 - mean[d]).powi(2) / n;
        }
    }
    for s in &mut sd {
        *s = s.sqrt().max(1e-12);
    }
    for p in points.chunks_mut(PLANE_DIM) {
        for d in 0..PLANE_DIM {
            p[d] = ((p[d] as f64 - mean[d]) / sd[d]) as f32;
        }
    }
    (mean, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasets_are_deterministic_and_centered() {
        for d in Dataset::PLANE {
            let a = d.sample(4000, 1).unwrap();
            assert_eq!(a, d.sample(4000, 1).unwrap(), "{d}");
            assert_ne!(a, d.sample(4000, 2).unwrap(), "{d}");
            let n = a.len() as f64 / 2.0;
            let mx: f64 = a.chunks(2).map(|p| p[0] as f64).sum::<f64>() / n;
            let my: f64 = a.chunks(2).map(|p| p[1] as f64).sum::<f64>() / n;
            assert!(mx.abs() < 0.5 && my.abs() < 0.5, "{d} mean ({mx}, {my})");
            assert!(a.iter().all(|v| v.abs() < 3.5), "{d} stays within the view");
        }
    }

    #[test]
    fn csv_reports_line_numbers() {
        assert_eq!(
            parse_csv("x,y\n1,2\n# note\n\n3,4\n").unwrap(),
            vec![1.0, 2.0, 3.0, 4.0]
        );
        let e = parse_csv("x,y\n1,2\n3\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("found 1 field"), "{e}");
        let e = parse_csv("1,2\n3,abc\n").unwrap_err();
        assert_eq!((e.line, e.message.as_str()), (2, "'abc' is not a number"));
        let e = parse_csv("1,2\n3,NaN\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("finite"));
        let e = parse_csv("1,2\nx,y\n").unwrap_err();
        assert_eq!(e.line, 2, "a header after data is an error");
        assert!(parse_csv("x,y\n").unwrap_err().message.contains("no data"));
        assert_eq!(parse_csv("1,2,3").unwrap_err().line, 1);
    }
}
