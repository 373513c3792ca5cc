//! Industrial symbiosis: firms exchange by-products (water, heat, gas,
//! gypsum, biomass, sludge, scrap), as in Kalundborg.
//!
//! Each step:
//! 1. exchanges whose partner exited are gone; an exchange ends when a
//!    process change hits it, when its contract is up and it is no longer
//!    worth it to both (at renewal the contracted flow is renegotiated to
//!    all the supplier can spare and the receiver can use beyond their
//!    other contracts), or when the supplier can deliver (or the receiver
//!    use) less than `break_fraction` of the contracted flow — unless a
//!    partner's production is disrupted, which only suspends it. Exchanges
//!    still alive deliver, oldest first, `min(contract, supply left, need
//!    left)`; a receiver buys the rest of its need as virgin inputs;
//! 2. a firm with a by-product not yet contracted searches receivers within
//!    reach — a region drawn with weight `U_r · exp(−d/reach)`, `U_r` the
//!    need for the material left uncontracted in the region, then a firm of
//!    it with probability proportional to its own uncontracted need (large
//!    users are the most visible), or one of its cooperation partners or
//!    cluster co-members — never by scanning all firms;
//!    Of the receivers it examines in a step, it approaches the one with
//!    which the exchange gains most;
//! 3. an exchange is agreed only between different sectors and when it is a
//!    win-win: `q (avoided − cost_per_t) > T`, with `avoided` the supplier's
//!    disposal plus the receiver's virgin purchase (and the CO2 both
//!    avoid), `cost_per_t` transport over the distance plus treatment, and
//!    `T` a yearly transaction cost lowered by trust (organised proximity)
//!    and facilitation; the partners must also be willing, with the
//!    cooperation tie probability. Its flows start `setup_years` later
//!    (pipelines, permits) and the surplus is shared equally.

use std::collections::BTreeSet;

use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

use crate::scenario::{N_MATERIALS, SymbiosisParams};
use crate::state::agents::{NONE, step16};
use crate::state::context::StepContext;
use crate::state::exchanges::{Delivery, Exchange, SymbiosisTotals};
use crate::state::materials::{Account, Flows, Prices, firm_flows};
use crate::state::model::Model;
use crate::state::reach::RegionDraw;
use crate::util::draw::draw_cumulative;
use crate::util::geometry::distance;
use crate::util::profile::similarity;
use crate::util::rng::Purpose;

/// Facilitation of symbiosis in each region: the regime's national
/// facilitation plus the local authority's facilitation budget.
pub fn regional_facilitation(m: &Model, national: f64) -> Vec<f64> {
    let p = &m.scenario.symbiosis;
    let inst = &m.institutions;
    (0..m.territory.len())
        .map(|r| {
            (national
                + p.authority_facilitation * inst.authority_activity[r] * inst.budget_shares[r][3])
                .min(p.max_facilitation)
        })
        .collect()
}

/// Per-firm values for the few firms that need them: a slot per firm index
/// into a compact list, so that lookups cost O(1) and an array of values
/// over all firms is never allocated.
#[derive(Debug, Clone)]
struct Sparse<T> {
    slot: Vec<u32>,
    values: Vec<T>,
}

impl<T> Sparse<T> {
    fn new(n: usize) -> Self {
        Sparse {
            slot: vec![NONE; n],
            values: Vec::new(),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&T> {
        match self.slot.get(i) {
            Some(&s) if s != NONE => self.values.get(s as usize),
            _ => None,
        }
    }

    #[inline]
    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        match self.slot.get(i) {
            Some(&s) if s != NONE => self.values.get_mut(s as usize),
            _ => None,
        }
    }

    /// The value of firm `i`, created by `init` if it has none yet.
    #[inline]
    fn entry(&mut self, i: usize, init: impl FnOnce() -> T) -> &mut T {
        let s = match self.slot.get(i) {
            Some(&s) if s != NONE => s as usize,
            _ => {
                let s = self.values.len();
                self.values.push(init());
                if let Some(x) = self.slot.get_mut(i) {
                    *x = s as u32;
                }
                s
            }
        };
        &mut self.values[s]
    }
}

/// Flows of a firm index, zero if it has none.
#[inline]
fn flows_of(c: &Sparse<Flows>, i: usize) -> &Flows {
    c.get(i).unwrap_or(&[0.0; N_MATERIALS])
}

/// One step of material flows and symbiosis. Updates firms' material
/// accounts, disruption and cash, and returns the totals.
pub fn exchange_step(model: &mut Model, ctx: &StepContext, prices: &Prices) -> SymbiosisTotals {
    let sp = model.scenario.symbiosis.clone();
    let mut totals = SymbiosisTotals::default();

    // Flows of every firm at full throughput.
    let m: &Model = model;
    let mut flows: Vec<(Flows, Flows)> = m
        .firms
        .par_iter()
        .map(|f| firm_flows(&m.technology, f, ctx.year))
        .collect();

    // Only the few firms with exchanges need per-firm bookkeeping beyond
    // their flows: it is kept in maps keyed by firm index (sums per key run
    // in exchange order, as with dense arrays), not in arrays over all firms.
    // 0. Exchanges whose partner exited are gone, and disrupt the partner
    //    left behind; 1. the others end, are renewed or deliver.
    let (lost, lost_outlet) = drop_exchanges_of_exits(model, &mut totals);
    disrupt(model, ctx, &sp, &lost, &lost_outlet, &mut flows);
    let book = deliver(model, ctx, &sp, prices, &flows, &mut totals);

    // 2–3. Search and agreement.
    if sp.enabled {
        totals.formed = search(model, ctx, prices, &flows);
    }

    settle_accounts(model, ctx, prices, &flows, &book, &mut totals);
    totals
}

/// Exchanges whose partner closed since the last step are gone; the
/// partner left behind lost a supply or an outlet by surprise: returns
/// what each firm lost (needs, outlets), by firm index.
fn drop_exchanges_of_exits(
    model: &mut Model,
    totals: &mut SymbiosisTotals,
) -> (Sparse<Flows>, Sparse<Flows>) {
    let n = model.firms.len();
    let mut lost: Sparse<Flows> = Sparse::new(n);
    let mut lost_outlet: Sparse<Flows> = Sparse::new(n);
    let before = model.symbiosis.exchanges.len();
    {
        let index_of = &model.index_of;
        let index = |id: u32| {
            index_of
                .get(id as usize)
                .copied()
                .filter(|&i| i != NONE)
                .map(|i| i as usize)
        };
        for e in &model.symbiosis.exchanges {
            let k = e.material as usize;
            match (index(e.from), index(e.to)) {
                (None, Some(j)) if e.flow > 0.0 => {
                    lost.entry(j, || [0.0; N_MATERIALS])[k] += e.flow;
                }
                (Some(i), None) if e.flow > 0.0 => {
                    lost_outlet.entry(i, || [0.0; N_MATERIALS])[k] += e.flow;
                }
                _ => {}
            }
        }
        model
            .symbiosis
            .exchanges
            .retain(|e| index(e.from).is_some() && index(e.to).is_some());
    }
    totals.broken += (before - model.symbiosis.exchanges.len()) as u32;
    (lost, lost_outlet)
}

/// A firm that lost a supply or an outlet by surprise has its production
/// disrupted until it has re-sourced or found a way to dispose,
/// `disruption_years` later; a disrupted firm's flows shrink.
fn disrupt(
    model: &mut Model,
    ctx: &StepContext,
    sp: &SymbiosisParams,
    lost: &Sparse<Flows>,
    lost_outlet: &Sparse<Flows>,
    flows: &mut [(Flows, Flows)],
) {
    let critical: Vec<f64> = model
        .scenario
        .materials
        .all()
        .iter()
        .map(|x| x.criticality)
        .collect();
    let spy = model.scenario.run.steps_per_year as u32;
    let lasts = ((sp.disruption_years * f64::from(spy)).round() as u32).max(1);
    model
        .firms
        .par_iter_mut()
        .zip(flows.par_iter_mut())
        .enumerate()
        .for_each(|(j, (f, flow))| {
            // A firm that lost nothing has a shock of 0, as the full loop
            // over materials would give.
            let (lost_in, lost_out) = (lost.get(j), lost_outlet.get(j));
            let mut shock: f64 = 0.0;
            if lost_in.is_some() || lost_out.is_some() {
                let zero = [0.0; N_MATERIALS];
                let (lin, lout) = (lost_in.unwrap_or(&zero), lost_out.unwrap_or(&zero));
                for k in 0..N_MATERIALS {
                    let (need, out) = (flow.0[k], flow.1[k]);
                    if need > 0.0 {
                        shock = shock.max(critical[k] * (lin[k] / need).min(1.0));
                    }
                    if out > 0.0 {
                        shock = shock.max(critical[k] * (lout[k] / out).min(1.0));
                    }
                }
            }
            if ctx.step >= u32::from(f.disrupted_until) {
                f.disruption = 0.0;
            }
            if shock > 0.0 {
                f.disruption = f.disruption.max(shock as f32);
                f.disrupted_until = step16(ctx.step + lasts);
            }
            let throughput = (1.0 - sp.disruption_effect * f64::from(f.disruption)).max(0.0);
            if throughput < 1.0 {
                flow.0.iter_mut().for_each(|x| *x *= throughput);
                flow.1.iter_mut().for_each(|x| *x *= throughput);
            }
        });
}

/// Existing exchanges end, are renewed or deliver (oldest first); returns
/// what each firm with exchanges has left, sent, received and paid.
fn deliver(
    model: &mut Model,
    ctx: &StepContext,
    sp: &SymbiosisParams,
    prices: &Prices,
    flows: &[(Flows, Flows)],
    totals: &mut SymbiosisTotals,
) -> Sparse<Book> {
    // Per firm index: supply left, need left, sent, received, exchange costs.
    let n = model.firms.len();
    let spy = model.scenario.run.steps_per_year as u32;
    let mut book: Sparse<Book> = Sparse::new(n);
    let change = 1.0 - (1.0 - sp.process_change_rate).powf(ctx.dt);
    // Capacity contracted by each firm, to renegotiate contracts.
    let mut supply_commit: Sparse<Flows> = Sparse::new(n);
    let mut need_commit: Sparse<Flows> = Sparse::new(n);
    for e in &model.symbiosis.exchanges {
        if let (Some(i), Some(j)) = (model.index(e.from), model.index(e.to)) {
            supply_commit.entry(i, || [0.0; N_MATERIALS])[e.material as usize] += e.committed();
            need_commit.entry(j, || [0.0; N_MATERIALS])[e.material as usize] += e.committed();
        }
    }
    let mut delivered = Vec::new();
    let mut kept = Vec::with_capacity(model.symbiosis.exchanges.len());
    for mut e in std::mem::take(&mut model.symbiosis.exchanges) {
        let (Some(i), Some(j)) = (model.index(e.from), model.index(e.to)) else {
            continue;
        };
        let k = e.material as usize;
        let mut rng = model
            .streams
            .rng(Purpose::Exchange, ctx.step, u64::from(e.id));
        let (fi, fj) = (&model.firms[i], &model.firms[j]);
        let d = distance((fi.x, fi.y), (fj.x, fj.y));
        let mut alive = rng.random::<f64>() >= change;
        if e.expansion > e.contracted && ctx.step >= e.expands_at {
            e.contracted = e.expansion;
        }
        if alive && ctx.step >= e.renew_at {
            // Renegotiation: the contract takes all that the supplier can
            // spare and the receiver can use beyond their other contracts; a
            // smaller flow applies at once, a larger one once the new
            // capacity is built.
            let sc = supply_commit.entry(i, || [0.0; N_MATERIALS]);
            let spare = flows[i].1[k] - (sc[k] - e.committed());
            let nc = need_commit.entry(j, || [0.0; N_MATERIALS]);
            let usable = flows[j].0[k] - (nc[k] - e.committed());
            let q = spare.min(usable).max(0.0);
            let renewed = q >= sp.min_tonnes
                && q * (prices.avoided(k) - prices.exchange_cost(k, d)) > e.transaction;
            if renewed {
                if let Some(sc) = supply_commit.get_mut(i) {
                    sc[k] += q - e.committed();
                }
                if let Some(nc) = need_commit.get_mut(j) {
                    nc[k] += q - e.committed();
                }
                if q < e.contracted {
                    e.contracted = q;
                    e.expansion = 0.0;
                } else {
                    e.expansion = q;
                    e.expands_at = ctx.step + sp.setup_years as u32 * spy;
                }
            }
            alive = renewed;
            e.renew_at = ctx.step + sp.contract_years as u32 * spy;
        }
        e.flow = 0.0;
        if alive && ctx.step >= e.flows_from {
            let supply_left = book.entry(i, || Book::new(&flows[i])).supply_left[k];
            let need_left = book.entry(j, || Book::new(&flows[j])).need_left[k];
            let flow = e.contracted.min(supply_left).min(need_left);
            // A partner whose production is disrupted suspends the flow but
            // keeps the contract; otherwise too small a flow ends it.
            let disrupted = fi.disruption > 0.0 || fj.disruption > 0.0;
            if flow < sp.break_fraction * e.contracted && !disrupted {
                alive = false;
            } else if flow > 0.0 {
                // The surplus is shared equally: each partner ends with half
                // of what the exchange saves over disposal and virgin
                // purchase, net of its transport, treatment and transaction.
                let disposal = flow * (prices.disposal[k] + prices.carbon * prices.co2_disposal[k]);
                let virgin = flow * (prices.virgin[k] + prices.carbon * prices.co2_virgin[k]);
                let surplus = disposal + virgin - flow * prices.exchange_cost(k, d) - e.transaction;
                if let Some(b) = book.get_mut(i) {
                    b.supply_left[k] -= flow;
                    b.sent[k] += flow;
                    b.costs += disposal - 0.5 * surplus;
                }
                if let Some(b) = book.get_mut(j) {
                    b.need_left[k] -= flow;
                    b.received[k] += flow;
                    b.costs += virgin - 0.5 * surplus;
                }
                e.flow = flow;
                totals.exchanges += 1;
                totals.exchanged += flow;
                delivered.push(Delivery {
                    from: e.from,
                    to: e.to,
                    material: e.material,
                    tonnes: flow,
                    distance_km: d,
                    from_sector: fi.sector,
                    to_sector: fj.sector,
                    from_declared: fi.declared,
                    to_declared: fj.declared,
                });
            }
        }
        if alive {
            kept.push(e);
        } else {
            if let Some(sc) = supply_commit.get_mut(i) {
                sc[k] -= e.committed();
            }
            if let Some(nc) = need_commit.get_mut(j) {
                nc[k] -= e.committed();
            }
            totals.broken += 1;
        }
    }
    model.symbiosis.exchanges = kept;
    model.symbiosis.delivered = delivered;
    book
}

/// Accounts, costs and cash of every firm, the step's totals and each
/// region's emissions and reuse.
fn settle_accounts(
    model: &mut Model,
    ctx: &StepContext,
    prices: &Prices,
    flows: &[(Flows, Flows)],
    book: &Sparse<Book>,
    totals: &mut SymbiosisTotals,
) {
    // Accounts, costs and cash. A declared firm with its own tonnages serves
    // markets beyond the territory: its material costs stay out of the local
    // market (competitiveness and wages). Each firm's account is closed in
    // parallel; the totals are then summed in firm order.
    let tech = &model.technology;
    let n_regions = model.territory.len();
    let dt = ctx.dt;
    let settled: Vec<Settled> = model
        .firms
        .par_iter_mut()
        .zip(flows.par_iter())
        .enumerate()
        .map(|(i, (f, (need, byproduct)))| {
            let mut a = Account {
                need: *need,
                byproduct: *byproduct,
                ..Default::default()
            };
            let mut costs = 0.0;
            if let Some(b) = book.get(i) {
                a.sent = b.sent;
                a.received = b.received;
                costs = b.costs;
            }
            let process = tech.process_co2[f.sector as usize] * f.sales * f64::from(f.intensity);
            a.settle(prices, process, costs);
            let own_market = !tech
                .declared
                .get(f.declared as usize)
                .is_some_and(|d| d.has_tonnages);
            f.cash -= a.cost * dt;
            f.material_cost_share = if own_market && f.sales > 0.0 {
                (a.cost / f.sales).clamp(0.0, 10.0) as f32
            } else {
                0.0
            };
            f.exchanged_tonnes = a.exchanged();
            f.water_use = a.virgin(crate::state::materials::WATER) as f32;
            f.virgin_use = a.virgin_total() as f32;
            f.waste = a.waste() as f32;
            f.reused = a.reused() as f32;
            Settled {
                waste: a.waste(),
                reused: a.reused(),
                virgin: a.virgin_total(),
                water: a.virgin(crate::state::materials::WATER),
                co2: a.co2,
                cost: own_market.then_some(a.cost),
                region: f.region,
            }
        })
        .collect();
    let (mut region_co2, mut region_reused) = (vec![0.0; n_regions], vec![0.0; n_regions]);
    for x in &settled {
        totals.waste += x.waste;
        totals.reused += x.reused;
        totals.virgin += x.virgin;
        totals.water += x.water;
        totals.co2 += x.co2;
        if let Some(cost) = x.cost {
            totals.material_cost += cost;
        }
        region_co2[x.region as usize] += x.co2;
        region_reused[x.region as usize] += x.reused;
    }
    model.region_co2 = region_co2;
    model.region_reused = region_reused;
    model.exchanged_last = totals.exchanged;
}

/// What a firm with exchanges has left, sent, received and paid in a step.
#[derive(Debug, Clone, Copy)]
struct Book {
    supply_left: Flows,
    need_left: Flows,
    sent: Flows,
    received: Flows,
    costs: f64,
}

impl Book {
    fn new(flows: &(Flows, Flows)) -> Self {
        Book {
            supply_left: flows.1,
            need_left: flows.0,
            sent: [0.0; N_MATERIALS],
            received: [0.0; N_MATERIALS],
            costs: 0.0,
        }
    }
}

/// A firm's closed account, for the totals.
#[derive(Debug, Clone, Copy)]
struct Settled {
    waste: f64,
    reused: f64,
    virgin: f64,
    water: f64,
    co2: f64,
    /// Material costs, if they count in the local market.
    cost: Option<f64>,
    region: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Offer {
    priority: u64,
    from: u32,
    to: u32,
    material: u8,
    tonnes: f64,
    transaction: f64,
}

/// Search for receivers and agree new exchanges; returns how many formed.
fn search(model: &mut Model, ctx: &StepContext, prices: &Prices, flows: &[(Flows, Flows)]) -> u32 {
    let n = model.firms.len();
    let sp = model.scenario.symbiosis.clone();
    let n_regions = model.territory.len();
    let spy = model.scenario.run.steps_per_year as u32;

    // Contracted capacity of the firms with exchanges (pending exchanges
    // included), by firm index; the others have none.
    let mut supply_commit: Sparse<Flows> = Sparse::new(n);
    let mut need_commit: Sparse<Flows> = Sparse::new(n);
    let mut pairs = BTreeSet::new();
    for e in &model.symbiosis.exchanges {
        if let (Some(i), Some(j)) = (model.index(e.from), model.index(e.to)) {
            supply_commit.entry(i, || [0.0; N_MATERIALS])[e.material as usize] += e.committed();
            need_commit.entry(j, || [0.0; N_MATERIALS])[e.material as usize] += e.committed();
            pairs.insert((i as u32, j as u32, e.material));
        }
    }
    let unmet = |j: usize, k: usize, nc: &Sparse<Flows>| flows[j].0[k] - flows_of(nc, j)[k];
    let surplus = |i: usize, k: usize, sc: &Sparse<Flows>| flows[i].1[k] - flows_of(sc, i)[k];

    // Potential receivers by region and material, weighted by the need they
    // have left (large users are the most visible), and the kernels to
    // reach them. Firms with a need worth an exchange are found in
    // parallel; the lists and running sums are then built in firm order.
    let mut receivers: Vec<Vec<Vec<u32>>> = vec![vec![Vec::new(); n_regions]; N_MATERIALS];
    let mut cumulative: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); n_regions]; N_MATERIALS];
    let mut volume = vec![vec![0.0; n_regions]; N_MATERIALS];
    let candidates: Vec<(u32, Flows)> = (0..n)
        .into_par_iter()
        .filter_map(|j| {
            let u: Flows = std::array::from_fn(|k| unmet(j, k, &need_commit));
            u.iter()
                .any(|&x| x >= sp.min_tonnes)
                .then_some((j as u32, u))
        })
        .collect();
    for (j, u) in candidates {
        let r = model.firms[j as usize].region as usize;
        for (k, &u) in u.iter().enumerate() {
            if u >= sp.min_tonnes {
                volume[k][r] += u;
                receivers[k][r].push(j);
                cumulative[k][r].push(volume[k][r]);
            }
        }
    }
    let reach = model.reaches.get(&model.territory, sp.reach_km, ctx.step);
    let kernels: Vec<RegionDraw<'_>> = volume
        .into_iter()
        .map(|w| RegionDraw::new(&model.territory, w, sp.reach_km, reach.clone()))
        .collect();
    let facilitation = regional_facilitation(model, ctx.levers.symbiosis_facilitation);
    let mut cluster_members: Vec<Vec<u32>> = vec![Vec::new(); model.institutions.clusters.len()];
    for (i, f) in model.firms.iter().enumerate() {
        if f.cluster != NONE
            && let Some(pos) = model.institutions.cluster_position(f.cluster)
        {
            cluster_members[pos].push(i as u32);
        }
    }

    let m: &Model = model;
    let kernel = &ctx.kernel;
    let offers: Vec<Offer> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let f = &m.firms[i];
            let mut out = Vec::new();
            let has_surplus =
                (0..N_MATERIALS).any(|k| surplus(i, k, &supply_commit) >= sp.min_tonnes);
            if !has_surplus {
                return out.into_iter();
            }
            let mut rng = m
                .streams
                .rng(Purpose::SymbiosisSearch, ctx.step, u64::from(f.id));
            let r = f.region as usize;
            let intensity =
                sp.search_rate * (1.0 + sp.facilitation_search * facilitation[r]) * ctx.dt;
            for k in 0..N_MATERIALS {
                let left = surplus(i, k, &supply_commit);
                if left < sp.min_tonnes {
                    continue;
                }
                let searches = Poisson::new(intensity)
                    .map(|p| p.sample(&mut rng) as u64)
                    .unwrap_or(0);
                let draws = searches * sp.candidates_per_search.max(1) as u64;
                // Of the receivers examined, the firm approaches the one
                // with which the exchange gains most.
                let mut best: Option<(f64, usize, f64, f64, f64)> = None;
                for _ in 0..draws {
                    let candidate = if rng.random::<f64>() < sp.network_share {
                        network_candidate(m, i, &cluster_members, &mut rng)
                    } else {
                        kernels[k].draw(r, &mut rng).and_then(|region| {
                            let pos = draw_cumulative(&cumulative[k][region], rng.random())?;
                            Some(receivers[k][region][pos] as usize)
                        })
                    };
                    let Some(j) = candidate else { continue };
                    let g = &m.firms[j];
                    // Different sectors, and one exchange per pair and
                    // material, in one direction (no swapping of the same
                    // material back and forth).
                    let linked = pairs.contains(&(i as u32, j as u32, k as u8))
                        || pairs.contains(&(j as u32, i as u32, k as u8));
                    if j == i || g.sector == f.sector || linked {
                        continue;
                    }
                    let q = left.min(unmet(j, k, &need_commit));
                    if q < sp.min_tonnes {
                        continue;
                    }
                    let d = distance((f.x, f.y), (g.x, g.y));
                    let partners = m.network.adjacency.linked(i, j);
                    let same_cluster = f.cluster != NONE && f.cluster == g.cluster;
                    let belonging = if partners || same_cluster { 1.0 } else { 0.0 };
                    let o = kernel.organised(belonging, similarity(&f.knowledge, &g.knowledge));
                    let mut fac = facilitation[r].max(facilitation[g.region as usize]);
                    if f.cluster != NONE || g.cluster != NONE {
                        fac = (fac + sp.cluster_facilitation).min(sp.max_facilitation);
                    }
                    let transaction =
                        sp.transaction_cost * (1.0 - sp.trust_discount * o.min(1.0)) * (1.0 - fac);
                    let gain = q * (prices.avoided(k) - prices.exchange_cost(k, d)) - transaction;
                    if gain > 0.0 && best.is_none_or(|b| gain > b.0) {
                        let willing = kernel.tie_probability(kernel.geographic(d), o, 1.0);
                        best = Some((gain, j, q, transaction, willing));
                    }
                }
                if let Some((_, j, q, transaction, willing)) = best
                    && rng.random::<f64>() < willing
                {
                    out.push(Offer {
                        priority: rng.random(),
                        from: i as u32,
                        to: j as u32,
                        material: k as u8,
                        tonnes: q,
                        transaction,
                    });
                }
            }
            out.into_iter()
        })
        .collect();

    let mut offers = offers;
    offers.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let mut formed = 0;
    for o in offers {
        let (i, j, k) = (o.from as usize, o.to as usize, o.material as usize);
        if pairs.contains(&(o.from, o.to, o.material))
            || pairs.contains(&(o.to, o.from, o.material))
        {
            continue;
        }
        let q = o
            .tonnes
            .min(surplus(i, k, &supply_commit))
            .min(unmet(j, k, &need_commit));
        if q < sp.min_tonnes {
            continue;
        }
        supply_commit.entry(i, || [0.0; N_MATERIALS])[k] += q;
        need_commit.entry(j, || [0.0; N_MATERIALS])[k] += q;
        pairs.insert((o.from, o.to, o.material));
        let id = model.symbiosis.next_id;
        model.symbiosis.next_id += 1;
        let flows_from = ctx.step + sp.setup_years as u32 * spy;
        model.symbiosis.exchanges.push(Exchange {
            id,
            from: model.firms[i].id,
            to: model.firms[j].id,
            material: o.material,
            contracted: q,
            transaction: o.transaction,
            flows_from,
            renew_at: flows_from + sp.contract_years as u32 * spy,
            flow: 0.0,
            expansion: 0.0,
            expands_at: 0,
        });
        formed += 1;
    }
    formed
}

/// A cooperation partner or cluster co-member of firm `i`.
fn network_candidate<R: rand::Rng + ?Sized>(
    m: &Model,
    i: usize,
    cluster_members: &[Vec<u32>],
    rng: &mut R,
) -> Option<usize> {
    let f = &m.firms[i];
    let pos = if f.cluster != NONE {
        m.institutions.cluster_position(f.cluster)
    } else {
        None
    };
    let use_partner =
        m.network.adjacency.degree(i) > 0 && (pos.is_none() || rng.random::<f64>() < 0.5);
    if use_partner {
        return m.network.adjacency.random_partner(i, rng);
    }
    let members = &cluster_members[pos?];
    (!members.is_empty()).then(|| members[rng.random_range(0..members.len())] as usize)
}
