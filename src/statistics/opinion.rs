//! Each region's mean environmental concern and participation rate, summed
//! in citizen order in the statistics' pass over the citizens; the
//! institutions keep them for the next step.

/// Sums of concern, participants and residents of each region, added in
/// citizen order (the statistics' pass over the citizens fills it, see
/// [`super::collect`]).
#[derive(Debug, Clone, Default)]
pub struct OpinionSums {
    concern: Vec<f64>,
    participants: Vec<u64>,
    residents: Vec<u64>,
    /// The region whose run of consecutive citizens is being summed, and
    /// its concern so far: a run adds in a register, in the same order.
    run: Option<(usize, f64)>,
}

impl OpinionSums {
    /// Empty sums for `n` regions.
    pub fn new(n: usize) -> Self {
        Self {
            concern: vec![0.0; n],
            participants: vec![0; n],
            residents: vec![0; n],
            run: None,
        }
    }

    /// Add one citizen of region `r`.
    #[inline]
    pub fn add(&mut self, r: usize, concern: f32, participant: bool) {
        if let (Some(p), Some(n)) = (self.participants.get_mut(r), self.residents.get_mut(r)) {
            *p += u64::from(participant);
            *n += 1;
        }
        let x = f64::from(concern);
        match &mut self.run {
            Some((cur, acc)) if *cur == r => *acc += x,
            run => {
                if let Some((cur, acc)) = *run {
                    self.concern[cur] = acc;
                }
                *run = self.concern.get(r).map(|&c| (r, c + x));
            }
        }
    }

    /// Citizens added so far in each region.
    pub fn residents(&self) -> &[u64] {
        &self.residents
    }

    /// Mean concern and participation rate of each region (0 where no
    /// citizen lives).
    pub fn finish(mut self) -> RegionalOpinion {
        if let Some((cur, acc)) = self.run.take() {
            self.concern[cur] = acc;
        }
        let mean = |sum: f64, n: u64| if n > 0 { sum / n as f64 } else { 0.0 };
        RegionalOpinion {
            mean_concern: (self.concern.iter().zip(&self.residents))
                .map(|(&c, &n)| mean(c, n))
                .collect(),
            participation: (self.participants.iter().zip(&self.residents))
                .map(|(&p, &n)| mean(p as f64, n))
                .collect(),
        }
    }
}

/// Mean concern and participation rate of each region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionalOpinion {
    pub mean_concern: Vec<f64>,
    pub participation: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opinion_sums_add_in_citizen_order_bit_for_bit() {
        // Runs of one region and interleaved regions, concerns of mixed
        // magnitudes (so that the order of additions shows in the bits).
        let citizens: Vec<(usize, f32, bool)> = (0..5000u32)
            .map(|k| {
                let r = if k % 7 < 4 { (k / 50) % 3 } else { k % 5 } as usize;
                let concern = ((k * 2_654_435_761) % 1000) as f32 / 997.0 * (1.0 + (k % 13) as f32);
                (r, concern, k % 3 == 0)
            })
            .collect();
        let n = 6;
        let mut sums = OpinionSums::new(n);
        let (mut concern, mut part, mut count) =
            (vec![0.0f64; n], vec![0.0f64; n], vec![0.0f64; n]);
        for &(r, c, p) in &citizens {
            sums.add(r, c, p);
            concern[r] += f64::from(c);
            part[r] += if p { 1.0 } else { 0.0 };
            count[r] += 1.0;
        }
        let got = sums.finish();
        for r in 0..n {
            let (mc, mp) = if count[r] > 0.0 {
                (concern[r] / count[r], part[r] / count[r])
            } else {
                (0.0, 0.0)
            };
            assert_eq!(got.mean_concern[r].to_bits(), mc.to_bits(), "region {r}");
            assert_eq!(got.participation[r].to_bits(), mp.to_bits(), "region {r}");
        }
        assert_eq!(got.mean_concern[5], 0.0, "a region without citizens");
    }
}
