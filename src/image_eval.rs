//! How good an image model is, in figures that fit images (`ptheta eval` on the digits). A kernel
//! discrepancy in 64 dimensions says little a reader can check by eye, so instead:
//!
//! - **recognition**: a small classifier trained on the real training digits ([`Classifier`])
//!   reads each sample. An unconditional model has no intended label, so there is no accuracy to
//!   score; what plays its part is the classifier's *confidence* (its mean top-class
//!   probability: a sample that looks like a digit is read as one) and the *balance* of the
//!   labels it gives ([`Recognition::classes`], the effective number of digits: 10 when every
//!   digit comes out equally often, 1 when the model draws one digit only). Both are set beside
//!   what the same classifier gives the held-out digits, with its accuracy on them;
//! - **copying**: the mean distance from each sample to its nearest training image
//!   ([`mean_nearest_distance`]) beside the held-out digits' own: a model that copies its training
//!   set comes out near 0, one that draws noise far above the held-out figure.
//!
//! Everything is plain f64 arithmetic in a fixed order, so the figures are the same on every CPU
//! (the recorded figures are re-checked with a tolerance for the chain's drift only).

use crate::digits::{Digits, CLASSES, DIM};
use serde::{Deserialize, Serialize};

/// Multinomial logistic regression on the 64 pixels: ten weight rows and biases. Linear is
/// enough for 8×8 digits (about 95% held out) and keeps the classifier a fixed, quick function of
/// the training split: full-batch Adam from zero weights, no randomness.
#[derive(Clone, Debug)]
pub struct Classifier {
    /// [CLASSES][DIM + 1], the bias last.
    weights: Vec<f64>,
}

/// Optimizer steps of [`Classifier::train`]: where the held-out accuracy has stopped improving.
pub const CLASSIFIER_STEPS: usize = 400;
/// Adam's step size for the classifier.
const CLASSIFIER_RATE: f64 = 0.05;
/// L2 penalty on the weights: keeps the probabilities from saturating on the training digits,
/// so the confidence it gives stays informative.
const CLASSIFIER_L2: f64 = 1e-3;

impl Classifier {
    /// Fits the digits `train` (cross-entropy plus an L2 penalty of `CLASSIFIER_L2` on the weights).
    pub fn train(train: &Digits) -> Classifier {
        let n = train.len();
        let width = DIM + 1;
        let mut c = Classifier {
            weights: vec![0.0; CLASSES * width],
        };
        let (mut m, mut v) = (vec![0.0; c.weights.len()], vec![0.0; c.weights.len()]);
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
        for step in 1..=CLASSIFIER_STEPS {
            let mut grad = vec![0.0; c.weights.len()];
            for i in 0..n {
                let x = train.image(i);
                let p = c.probabilities(x);
                for k in 0..CLASSES {
                    let g = (p[k] - f64::from(u8::from(train.labels[i] as usize == k))) / n as f64;
                    let row = &mut grad[k * width..(k + 1) * width];
                    for (r, &xi) in row.iter_mut().zip(x) {
                        *r += g * xi as f64;
                    }
                    row[DIM] += g;
                }
            }
            for k in 0..CLASSES {
                for j in 0..DIM {
                    grad[k * width + j] += CLASSIFIER_L2 * c.weights[k * width + j];
                }
            }
            let (c1, c2) = (1.0 - b1.powi(step as i32), 1.0 - b2.powi(step as i32));
            for (((w, g), m), v) in c.weights.iter_mut().zip(&grad).zip(&mut m).zip(&mut v) {
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *w -= CLASSIFIER_RATE * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        }
        c
    }

    /// The probability of each digit for one image of [`DIM`] values.
    pub fn probabilities(&self, image: &[f32]) -> [f64; CLASSES] {
        let width = DIM + 1;
        let mut logits = [0.0f64; CLASSES];
        for (k, l) in logits.iter_mut().enumerate() {
            let row = &self.weights[k * width..(k + 1) * width];
            *l = row[DIM] + row.iter().zip(image).map(|(w, &x)| w * x as f64).sum::<f64>();
        }
        let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut p = logits.map(|l| (l - top).exp());
        let total: f64 = p.iter().sum();
        for q in &mut p {
            *q /= total;
        }
        p
    }

    /// The most probable digit (the first of equals).
    pub fn predict(&self, image: &[f32]) -> usize {
        let p = self.probabilities(image);
        (0..CLASSES).fold(0, |best, k| if p[k] > p[best] { k } else { best })
    }

    /// The share of `digits` it labels right.
    pub fn accuracy(&self, digits: &Digits) -> f64 {
        let right = (0..digits.len())
            .filter(|&i| self.predict(digits.image(i)) == digits.labels[i] as usize)
            .count();
        right as f64 / digits.len() as f64
    }
}

/// What the classifier makes of a set of images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recognition {
    /// Mean top-class probability.
    pub confidence: f64,
    /// Share of the images given each label.
    pub shares: Vec<f64>,
    /// exp of the entropy of `shares`: the effective number of digits drawn, from 1 (one digit
    /// only) to [`CLASSES`] (all equally often).
    pub classes: f64,
}

/// Reads `images` (row-major, [`DIM`] values each) with `classifier`.
pub fn recognize(classifier: &Classifier, images: &[f32]) -> Recognition {
    let n = images.len() / DIM;
    let mut counts = [0usize; CLASSES];
    let mut confidence = 0.0;
    for image in images.chunks_exact(DIM) {
        let p = classifier.probabilities(image);
        let k = (0..CLASSES).fold(0, |best, k| if p[k] > p[best] { k } else { best });
        confidence += p[k] / n as f64;
        counts[k] += 1;
    }
    let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n as f64).collect();
    let entropy: f64 = shares.iter().filter(|&&s| s > 0.0).map(|&s| -s * s.ln()).sum();
    Recognition {
        confidence,
        shares,
        classes: entropy.exp(),
    }
}

/// Mean over `images` of the Euclidean distance (in the [−1, 1] pixel scale) to the nearest of
/// `reference`: 0 for images copied from it.
pub fn mean_nearest_distance(images: &[f32], reference: &[f32]) -> f64 {
    let n = images.len() / DIM;
    images
        .chunks_exact(DIM)
        .map(|a| {
            reference
                .chunks_exact(DIM)
                .map(|b| a.iter().zip(b).map(|(&x, &y)| ((x - y) as f64).powi(2)).sum::<f64>())
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .sum::<f64>()
        / n as f64
}

/// A figure over several independent draws.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for one draw.
    pub sd: f64,
    /// Each draw's value, in seed order.
    pub values: Vec<f64>,
}

impl Spread {
    /// Mean and spread of `values` (at least one).
    pub fn of(values: Vec<f64>) -> Spread {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Spread { mean, sd, values }
    }
}

/// The real digits' own figures, what a model's are read against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageReference {
    /// The classifier's accuracy on the held-out digits.
    pub accuracy: f64,
    /// Its confidence and effective number of digits on them.
    pub confidence: f64,
    pub classes: f64,
    /// Mean distance from a held-out digit to its nearest training digit.
    pub nearest: f64,
}

impl ImageReference {
    pub fn of(classifier: &Classifier, train: &Digits, held_out: &Digits) -> ImageReference {
        let r = recognize(classifier, &held_out.images);
        ImageReference {
            accuracy: classifier.accuracy(held_out),
            confidence: r.confidence,
            classes: r.classes,
            nearest: mean_nearest_distance(&held_out.images, &train.images),
        }
    }
}

/// An image model's figures over the draws of `ptheta eval --seeds`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageFigures {
    /// The classifier's mean top-class probability on the samples.
    pub confidence: Spread,
    /// The effective number of digits among them ([`Recognition::classes`]).
    pub classes: Spread,
    /// Share of each label among the first draw's samples.
    pub shares: Vec<f64>,
    /// Mean distance from a sample to its nearest training digit.
    pub nearest: Spread,
    pub reference: ImageReference,
}

/// The figures of one draw of samples each (`draws`, row-major images), against the training set
/// and the held-out digits.
pub fn image_figures(draws: &[Vec<f32>], train: &Digits, held_out: &Digits) -> ImageFigures {
    let classifier = Classifier::train(train);
    let read: Vec<Recognition> = draws.iter().map(|d| recognize(&classifier, d)).collect();
    ImageFigures {
        confidence: Spread::of(read.iter().map(|r| r.confidence).collect()),
        classes: Spread::of(read.iter().map(|r| r.classes).collect()),
        shares: read.first().map(|r| r.shares.clone()).unwrap_or_default(),
        nearest: Spread::of(draws.iter().map(|d| mean_nearest_distance(d, &train.images)).collect()),
        reference: ImageReference::of(&classifier, train, held_out),
    }
}
