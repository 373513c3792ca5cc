//! The territory: regions with an urban hierarchy, either synthetic (drawn
//! rank–size in a rectangular country) or read from a regions file (e.g.
//! the départements, with their positions and census populations).
//!
//! Synthetic geography is drawn from the territory seed, not the run seed,
//! so that replicates of a scenario share the same map. Regions are the spatial unit
//! of institutions, labour markets and statistics; firms have exact
//! positions around their regional centre.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::scenario::TerritoryParams;
use crate::scenario::regions_file::RegionRecord;
use crate::util::rng::{Purpose, Streams};

/// One region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Code of the region (R01… for the synthetic country, the file's
    /// `code` otherwise), written to the outputs.
    pub name: String,
    /// Full name and grouping (e.g. the région of a département); empty
    /// for the synthetic country.
    pub label: String,
    pub group: String,
    /// Centre, in km from the country's south-west corner.
    pub x: f64,
    pub y: f64,
    /// Rank in the urban hierarchy (1 = largest).
    pub rank: usize,
    /// Population weight (shares sum to 1).
    pub weight: f64,
    /// Spread of urban firms around the centre, km.
    pub urban_radius: f64,
}

/// All regions. Distances between regional centres are computed when
/// needed (a matrix would hold `regions²` numbers).
#[derive(Debug, Clone)]
pub struct Territory {
    pub regions: Vec<Region>,
    pub width: f64,
    pub height: f64,
    /// Where the country's box starts in the file's projection, km
    /// (positions inside the model are relative to it; outputs add it
    /// back). Zero for the synthetic country.
    pub origin: (f64, f64),
    rural_radius: f64,
}

/// Margin around the regions of a regions file, km: the box firms are
/// placed in.
const FILE_MARGIN_KM: f64 = 100.0;

impl Territory {
    /// Draw the map from the territory seed.
    pub fn new(p: &TerritoryParams) -> Self {
        let streams = Streams::new(p.seed as u64);
        let mut rng = streams.rng(Purpose::Territory, 0, 0);
        let n = p.regions as usize;
        let (w, h) = (p.width_km, p.height_km);
        // Dart throwing with a shrinking exclusion radius: regions are spread
        // over the country without a regular grid.
        let mut min_sep = 0.6 * (w * h / n as f64).sqrt();
        let mut centres: Vec<(f64, f64)> = Vec::with_capacity(n);
        let mut failures = 0;
        while centres.len() < n {
            let c = (rng.random::<f64>() * w, rng.random::<f64>() * h);
            if centres
                .iter()
                .all(|o| ((o.0 - c.0).powi(2) + (o.1 - c.1).powi(2)).sqrt() >= min_sep)
            {
                centres.push(c);
            } else {
                failures += 1;
                if failures > 200 {
                    min_sep *= 0.9;
                    failures = 0;
                }
            }
        }
        let raw: Vec<f64> = (1..=n).map(|r| (r as f64).powf(-p.zipf_exponent)).collect();
        let total: f64 = raw.iter().sum();
        let top = raw[0] / total;
        let regions: Vec<Region> = centres
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| {
                let weight = raw[i] / total;
                Region {
                    name: format!("R{:02}", i + 1),
                    label: String::new(),
                    group: String::new(),
                    x,
                    y,
                    rank: i + 1,
                    weight,
                    urban_radius: p.urban_radius_km * (weight / top).sqrt(),
                }
            })
            .collect();
        Self {
            regions,
            width: w,
            height: h,
            origin: (0.0, 0.0),
            rural_radius: p.rural_radius_km,
        }
    }

    /// The regions of a regions file: weights from the census population
    /// at `year`, ranks by weight (ties by file order), positions in the
    /// file's projection relative to a box with a 100 km margin.
    pub fn from_records(records: &[RegionRecord], p: &TerritoryParams, year: f64) -> Self {
        let fold = |f: fn(&RegionRecord) -> f64, init: f64, pick: fn(f64, f64) -> f64| {
            records.iter().map(f).fold(init, pick)
        };
        let x0 = fold(|r| r.x_km, f64::INFINITY, f64::min) - FILE_MARGIN_KM;
        let y0 = fold(|r| r.y_km, f64::INFINITY, f64::min) - FILE_MARGIN_KM;
        let x1 = fold(|r| r.x_km, f64::NEG_INFINITY, f64::max) + FILE_MARGIN_KM;
        let y1 = fold(|r| r.y_km, f64::NEG_INFINITY, f64::max) + FILE_MARGIN_KM;
        let pops: Vec<f64> = records.iter().map(|r| r.population_at(year)).collect();
        let total: f64 = pops.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        let top = pops.iter().copied().fold(0.0, f64::max) / total;
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by(|&a, &b| pops[b].total_cmp(&pops[a]).then(a.cmp(&b)));
        let mut rank = vec![0; records.len()];
        for (k, &i) in order.iter().enumerate() {
            rank[i] = k + 1;
        }
        let regions = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let weight = pops[i] / total;
                Region {
                    name: r.code.clone(),
                    label: r.name.clone(),
                    group: r.group_name.clone(),
                    x: r.x_km - x0,
                    y: r.y_km - y0,
                    rank: rank[i],
                    weight,
                    urban_radius: p.urban_radius_km * (weight / top.max(f64::MIN_POSITIVE)).sqrt(),
                }
            })
            .collect();
        Self {
            regions,
            width: x1 - x0,
            height: y1 - y0,
            origin: (x0, y0),
            rural_radius: p.rural_radius_km,
        }
    }

    /// Index of the region with code `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r.name == name)
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether there are no regions (never, for a valid scenario).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// Distance between two regional centres, km.
    #[inline]
    pub fn distance(&self, r: usize, s: usize) -> f64 {
        let (a, b) = (&self.regions[r], &self.regions[s]);
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }

    /// A position in region `r`: Gaussian around the centre with the urban
    /// or rural spread, kept inside the country.
    pub fn place<R: rand::Rng + ?Sized>(&self, r: usize, rural: bool, rng: &mut R) -> (f32, f32) {
        let region = &self.regions[r];
        let sd = if rural {
            self.rural_radius
        } else {
            region.urban_radius
        }
        .max(1e-6);
        let dx: f64 = rng.sample(StandardNormal);
        let dy: f64 = rng.sample(StandardNormal);
        let x = (region.x + sd * dx).clamp(0.0, self.width);
        let y = (region.y + sd * dy).clamp(0.0, self.height);
        (x as f32, y as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_inside_and_rank_size() {
        let t = Territory::new(&TerritoryParams::default());
        assert_eq!(t.len(), 40);
        let total: f64 = t.regions.iter().map(|r| r.weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!(t.regions.windows(2).all(|w| w[0].weight > w[1].weight));
        assert!(
            t.regions
                .iter()
                .all(|r| r.x >= 0.0 && r.x <= 1000.0 && r.y >= 0.0 && r.y <= 1000.0)
        );
        assert_eq!(t.distance(3, 3), 0.0);
        assert!((t.distance(1, 2) - t.distance(2, 1)).abs() < 1e-12);
    }
}
