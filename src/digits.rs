//! The second world: the 1,797 8×8 handwritten digits of the UCI optical-recognition test set, as
//! scikit-learn ships them (data/digits.csv.gz; origin and licence in data/README.md). Their shape
//! is known everywhere; the file itself is built into native builds only (the CLI trains and
//! evaluates on it), so the page's wasm carries neither it nor its decoder.
//!
//! Each image is 64 pixels, row by row, each a count of 0 … [`MAX_INK`] inked cells, scaled to
//! [−1, 1] (0 → −1, 16 → 1) so that the data has about the spread the schedule assumes. One fixed
//! split serves everything: the denoisers and the eval's classifier learn from [`Split::Train`],
//! and every held-out figure (the classifier's accuracy, the nearest-neighbour reference, the
//! ELBO) is measured on [`Split::HeldOut`], which nothing is trained on.

/// Pixels per side of an image.
pub const SIDE: usize = 8;
/// Values per image: the data dimension of the digits.
pub const DIM: usize = SIDE * SIDE;
/// The labels 0 … 9.
pub const CLASSES: usize = 10;
/// The largest pixel value in the file: inked cells of a 4×4 block.
pub const MAX_INK: u8 = 16;
/// The fifth, tenth, … image of each digit (in file order) is held out: 355 images, a fifth of
/// each digit, from all through the file. (The file cycles through the digits nearly in order,
/// so every fifth row alone would hold out mostly 4s and 9s.)
pub const HELD_OUT_EVERY: usize = 5;

/// The file as scikit-learn ships it: 1,797 rows of 64 pixels then the label.
#[cfg(not(target_arch = "wasm32"))]
const FILE: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"));

/// Which images of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    All,
    Train,
    HeldOut,
}

/// Images, row-major [n, [`DIM`]] in [−1, 1], and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

impl Digits {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, i: usize) -> &[f32] {
        &self.images[i * DIM..(i + 1) * DIM]
    }

    /// The images of `split`, in file order.
    pub fn split(&self, split: Split) -> Digits {
        let mut out = Digits {
            images: Vec::new(),
            labels: Vec::new(),
        };
        let mut seen = [0usize; CLASSES];
        for i in 0..self.len() {
            let label = self.labels[i] as usize;
            seen[label] += 1;
            let held_out = seen[label].is_multiple_of(HELD_OUT_EVERY);
            let keep = match split {
                Split::All => true,
                Split::Train => !held_out,
                Split::HeldOut => held_out,
            };
            if keep {
                out.images.extend_from_slice(self.image(i));
                out.labels.push(self.labels[i]);
            }
        }
        out
    }

    /// Images of each label.
    pub fn class_counts(&self) -> [usize; CLASSES] {
        let mut counts = [0; CLASSES];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

/// A pixel count as the denoisers see it.
pub fn scale(ink: u8) -> f32 {
    2.0 * ink as f32 / MAX_INK as f32 - 1.0
}

/// Parses the CSV text: 64 whole pixel values from 0 to [`MAX_INK`] and a label from 0 to 9 per
/// line, each refusal naming its line.
pub fn parse(text: &str) -> Result<Digits, String> {
    let mut d = Digits {
        images: Vec::new(),
        labels: Vec::new(),
    };
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != DIM + 1 {
            return Err(format!(
                "line {}: {} values, expected {DIM} pixels and a label",
                i + 1,
                fields.len()
            ));
        }
        for f in &fields[..DIM] {
            match f.parse::<u8>() {
                Ok(v) if v <= MAX_INK => d.images.push(scale(v)),
                _ => {
                    return Err(format!(
                        "line {}: pixel '{f}' is not a whole number from 0 to {MAX_INK}",
                        i + 1
                    ))
                }
            }
        }
        match fields[DIM].parse::<u8>() {
            Ok(l) if (l as usize) < CLASSES => d.labels.push(l),
            _ => return Err(format!("line {}: label '{}' is not a digit", i + 1, fields[DIM])),
        }
    }
    Ok(d)
}

/// Every image of the built-in file, decoded once.
#[cfg(not(target_arch = "wasm32"))]
pub fn load() -> &'static Digits {
    use std::io::Read;
    static DIGITS: std::sync::OnceLock<Digits> = std::sync::OnceLock::new();
    DIGITS.get_or_init(|| {
        let mut text = String::new();
        flate2::read::GzDecoder::new(FILE)
            .read_to_string(&mut text)
            .expect("data/digits.csv.gz is gzip'd UTF-8 text (tests/digits.rs)");
        parse(&text).expect("data/digits.csv.gz holds valid digits (tests/digits.rs)")
    })
}

/// The images of `split` of the built-in file.
#[cfg(not(target_arch = "wasm32"))]
pub fn images(split: Split) -> Digits {
    load().split(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_refuses_bad_rows_by_line() {
        let row = |px: &str, label: &str| format!("{}{label}\n", format!("{px},").repeat(DIM));
        let ok = parse(&row("16", "3")).unwrap();
        assert_eq!((ok.labels.clone(), ok.images[0]), (vec![3], 1.0));
        assert!(parse(&row("17", "3")).unwrap_err().contains("line 1: pixel '17'"));
        assert!(parse(&format!("{}{}", row("0", "1"), row("0", "10")))
            .unwrap_err()
            .starts_with("line 2: label"));
        assert!(parse("1,2,3\n").unwrap_err().contains("3 values"));
    }
}
