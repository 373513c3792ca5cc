//! Distances between positions in the plane of the territory.

/// Euclidean distance between two positions, km.
#[inline]
pub fn distance(a: (f32, f32), b: (f32, f32)) -> f64 {
    let dx = f64::from(a.0) - f64::from(b.0);
    let dy = f64::from(a.1) - f64::from(b.1);
    (dx * dx + dy * dy).sqrt()
}
