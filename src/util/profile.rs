//! Knowledge profiles: non-negative weights over knowledge fields, kept at
//! unit Euclidean length so that cosine similarity is a dot product. The
//! functions take profiles of any length; the model's have one weight per
//! knowledge field (`state::sectors::Profile`).

use rand::RngExt;
use rand_distr::StandardNormal;

/// Scale a profile to unit length (a zero profile becomes uniform).
pub fn normalise<const N: usize>(p: &mut [f32; N]) {
    let norm = p.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        p.iter_mut().for_each(|x| *x /= norm);
    } else {
        let v = (1.0 / N as f32).sqrt();
        p.iter_mut().for_each(|x| *x = v);
    }
}

/// Cosine similarity of two unit profiles, in [0, 1].
#[inline]
pub fn similarity<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f64 {
    f64::from(a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>()).clamp(0.0, 1.0)
}

/// A profile near `centroid` (a sector's, say): each weight moved by
/// Gaussian noise of s.d. `noise`, kept non-negative, then normalised.
pub fn profile_near<const N: usize, R: rand::Rng + ?Sized>(
    centroid: &[f32; N],
    noise: f64,
    rng: &mut R,
) -> [f32; N] {
    let mut p = *centroid;
    for x in p.iter_mut() {
        let e: f64 = rng.sample(StandardNormal);
        *x = (f64::from(*x) + noise * e).max(0.0) as f32;
    }
    normalise(&mut p);
    p
}
