//! Innovation, imitation and technical progress.
//!
//! A firm innovates in a step with probability `1 − exp(−h · dt)`, where
//! `h = (E/10)^η · (base + k · K · (1 + e · (skill − 0.5)))`: internal effort growing with
//! size, plus the knowledge `K = Σ_partners strength · gain(c) + w_r · gain(c_r)`
//! gained from its partners and research link, with Nooteboom's inverted-U
//! `gain` of cognitive distance `c`, scaled by absorptive capacity (its
//! employees' skill). An innovation multiplies productivity by `1 + X`,
//! `X ~ Exponential(mean = productivity_step · (E/10)^−η)` — larger firms
//! innovate more often but each innovation moves a larger organisation less,
//! so expected productivity growth does not depend on size — and shifts the
//! knowledge profile towards a random field. Knowledge diffuses: log
//! productivity moves towards the sector's (employment-weighted geometric)
//! mean by a share `diffusion_rate` per year, laggards imitating and
//! leaders' advantages being imitated away; all productivity grows with the
//! regime's exogenous technical progress. With probability equal to the
//! regime's environmental constraint an innovation is also an
//! eco-innovation: the firm's material intensity is multiplied by
//! `1 − min(0.5, Y)`, `Y ~ Exponential(mean = eco_step · (E/10)^−η)` (size
//! neutral, like productivity gains).

use rand::RngExt;
use rayon::prelude::*;

use crate::scenario::N_KNOWLEDGE;
use crate::state::context::StepContext;
use crate::state::model::Model;
use crate::state::sectors::Profile;
use crate::util::profile::normalise;
use crate::util::rng::Purpose;

/// Innovate, imitate and progress; returns the number of innovations.
pub fn innovate(model: &mut Model, ctx: &StepContext) -> u32 {
    let p = &model.scenario.innovation;
    let diffusion = 1.0 - (1.0 - model.scenario.firms.diffusion_rate).powf(ctx.dt);
    let transfer = 1.0 - (1.0 - model.scenario.enterprises.group_transfer).powf(ctx.dt);
    // The R&D effort a project finances, by organisation id.
    let list = model.scenario.instrument_list();
    let boost = model.institutions.by_instrument(&list, 1.0, |ins| {
        1.0 + ins.rd_effect * (1.0 + ins.cofunding)
    });
    let progress = (ctx.levers.technical_progress * ctx.dt).exp();
    let m: &Model = model;
    let eco_share = ctx.levers.environmental_constraint;
    let updates: Vec<(f64, Option<Profile>, f32)> = (0..m.firms.len())
        .into_par_iter()
        .map(|i| {
            let f = &m.firms[i];
            let size = (f64::from(f.employees.max(1)) / 10.0).powf(p.size_elasticity);
            // A collaborative project raises the firm's own R&D effort.
            let effort = if u32::from(f.project_until) > ctx.step {
                boost.get(f.cluster as usize).copied().unwrap_or(1.0)
            } else {
                1.0
            };
            let h = size * (p.base_rate * effort + p.knowledge_effect * f64::from(f.ideas));
            let prob = 1.0 - (-h * ctx.dt).exp();
            let mut rng = m
                .streams
                .rng(Purpose::Innovation, ctx.step, u64::from(f.id));
            let mut a = f.productivity;
            let mut profile = None;
            let mut intensity = f.intensity;
            if rng.random::<f64>() < prob {
                // Under environmental constraints, a share of innovations
                // also cut the firm's material intensity (eco-innovation).
                if rng.random::<f64>() < eco_share {
                    let cut = (p.eco_step / size * -(1.0 - rng.random::<f64>()).ln()).min(0.5);
                    intensity = (f64::from(intensity) * (1.0 - cut)) as f32;
                }
                let u: f64 = rng.random();
                a *= 1.0 + p.productivity_step / size * -(1.0 - u).ln();
                let field = rng.random_range(0..N_KNOWLEDGE);
                let mut k = f.knowledge;
                for (x, v) in k.iter_mut().enumerate() {
                    let target = if x == field { 1.0 } else { 0.0 };
                    *v += p.profile_mutation as f32 * (target - *v);
                }
                normalise(&mut k);
                profile = Some(k);
            }
            let mean = m.memory.sector_productivity[f.sector as usize];
            if mean > 0.0 && a > 0.0 {
                a *= (mean / a).powf(diffusion);
            }
            // Technology transfer within a group.
            if let Some(g) = m.groups.get(f.group as usize)
                && g.productivity > 0.0
                && a > 0.0
                && transfer > 0.0
            {
                a *= (g.productivity / a).powf(transfer);
            }
            (a * progress, profile, intensity)
        })
        .collect();
    model
        .firms
        .par_iter_mut()
        .zip(updates)
        .map(|(f, (a, profile, intensity))| {
            f.productivity = a;
            f.intensity = intensity;
            if let Some(k) = profile {
                f.knowledge = k;
                1
            } else {
                0
            }
        })
        .sum()
}
