//! Cooperation ties between firms: partner search, tie formation, renewal
//! and decay, events (temporary proximity), research links and learning.
//!
//! Candidates are never drawn from all pairs. A firm examines a Poisson
//! number of candidates per year (more for larger firms): from space (a
//! region drawn with weight `firms_s · exp(−d(r,s)/λ)`, then a firm of that
//! region), from its network (a partner of a partner, a co-member of its
//! cluster organisation or of its group), and at the events it attends.
//! Each candidate becomes a partner with the probability of
//! [`crate::state::proximity::Kernel::tie_probability`], within both firms' tie
//! capacity. Every year a tie is renewed with probability
//! `renewal_rate · P`, where partners count as belonging together
//! (`partner_belonging`), so that organised proximity sustains distant ties
//! that geography alone would not; otherwise it loses a share of its
//! strength, and weak ties dissolve.

use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

use crate::scenario::{CooperationParams, N_KNOWLEDGE};
use crate::state::agents::{NONE, Near};
use crate::state::authorities::{CLUSTER, relative_share};
use crate::state::context::StepContext;
use crate::state::model::Model;
use crate::state::network::{Origin, Tie};
use crate::state::proximity::{absorptive_capacity, knowledge_gain, realised_gain};
use crate::state::reach::{Reach, RegionDraw};
use crate::state::sectors::Profile;
use crate::state::tally::Tally;
use crate::state::territory::Territory;
use crate::state::timings::Lap;
use crate::util::geometry::distance;
use crate::util::par;
use crate::util::profile::{normalise, similarity};
use crate::util::rng::{Purpose, pair_id};
use std::sync::Arc;

/// How the pair is related, beyond what the model state says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Relation {
    /// Nothing known: check for a common partner.
    Unknown,
    /// Known to share a partner (drawn as a partner of a partner).
    CommonPartner,
    /// Already partners (renewing their tie).
    Partners,
}

/// Probability that firms `i` and `j` cooperate now.
fn pair_probability(
    m: &Model,
    ctx: &StepContext,
    fi: &Near,
    fj: &Near,
    relation: Relation,
    at_event: bool,
) -> f64 {
    let k = &ctx.kernel;
    let mut g = k.geographic(distance((fi.x, fi.y), (fj.x, fj.y)));
    if at_event {
        g = g.max(k.event_proximity);
    }
    let same_cluster = fi.cluster != NONE && fi.cluster == fj.cluster;
    let same_group = fi.group != NONE && fi.group == fj.group;
    let prox = &m.scenario.proximity;
    let belonging = if same_cluster || same_group {
        1.0
    } else {
        match relation {
            Relation::Partners => prox.partner_belonging,
            Relation::CommonPartner => prox.partner_of_partner_belonging,
            Relation::Unknown if m.network.adjacency.common_partner(fi, fj) => {
                prox.partner_of_partner_belonging
            }
            Relation::Unknown => 0.0,
        }
    };
    let sim = similarity(&fi.knowledge, &fj.knowledge);
    let o = k.organised(belonging, sim);
    let c = m.sectors.complementarity[fi.sector as usize][fj.sector as usize];
    // Partners valued for what they can teach: Nooteboom's inverted U of
    // cognitive distance (β_k = 0 by default: choice by proximity alone).
    if k.beta_k == 0.0 {
        return k.tie_probability(g, o, c);
    }
    let gain = knowledge_gain(1.0 - sim, m.scenario.innovation.cognitive_distance_max);
    k.tie_probability_with_gain(g, o, c, gain)
}

/// Firms whose partner searches one thread interleaves.
const INTERLEAVE: usize = 16;

/// A firm's partner search in progress.
struct Search {
    i: usize,
    rng: crate::util::rng::Stream,
    /// Candidate draws left.
    left: u64,
    /// Drawn candidate whose data are being fetched (and whether its
    /// partners are, for the common-partner test).
    pending: Option<(Candidate, bool)>,
}

/// A firm's meetings at the events it attends, in progress.
struct Meeting<'a> {
    i: usize,
    rng: crate::util::rng::Stream,
    /// The firm's (firm, event) attendances.
    group: &'a [(u32, u32)],
    /// Position in `group` of the current event.
    event: usize,
    /// Meetings left at the current event.
    left: u64,
    /// Firm met, whose data are being fetched (and whether its partners
    /// are, for the common-partner test).
    pending: Option<(usize, bool)>,
}

/// Give each item of `batch` turns in order, round after round, while any
/// is `active`.
fn round_robin<S>(batch: &mut [S], active: impl Fn(&S) -> bool, mut turn: impl FnMut(&mut S)) {
    loop {
        let mut any = false;
        for s in batch.iter_mut() {
            if active(s) {
                turn(s);
                any |= active(s);
            }
        }
        if !any {
            break;
        }
    }
}

/// Maximum number of partners of a firm.
fn capacity(m: &Model, employees: u32) -> usize {
    let c = &m.scenario.cooperation;
    (c.max_ties_base + c.max_ties_per_log_size * f64::from(employees).ln_1p())
        .floor()
        .max(0.0) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Proposal {
    lo: u32,
    hi: u32,
    /// Random rank drawn by the proposing firm: proposals are served in this
    /// order, so no firm is favoured by its index when capacities bind.
    priority: u64,
    origin: Origin,
}

fn proposal<R: rand::Rng + ?Sized>(i: usize, j: usize, origin: Origin, rng: &mut R) -> Proposal {
    let (lo, hi) = if i < j { (i, j) } else { (j, i) };
    Proposal {
        lo: lo as u32,
        hi: hi as u32,
        priority: rng.random(),
        origin,
    }
}

/// Where candidates come from in this step: firm indices grouped by
/// region, sector, cluster organisation, group, and leading firms by region
/// (each group in firm order).
struct SearchSpace<'a> {
    by_region: par::Groups,
    by_sector: par::Groups,
    region_kernel: RegionDraw<'a>,
    research_kernel: RegionDraw<'a>,
    cluster_members: par::Groups,
    group_members: par::Groups,
    leading_by_region: par::Groups,
}

impl<'a> SearchSpace<'a> {
    /// `territory` is `m.territory`, borrowed apart from the model so that
    /// the firms can change while the space is in use.
    fn new(
        m: &Model,
        territory: &'a Territory,
        ctx: &StepContext,
        reach: Option<Arc<Reach>>,
    ) -> Self {
        let n_regions = m.territory.len();
        let leading = m.scenario.firms.leading_firm_size as u32;
        // Keys of every firm, in parallel: region, sector, cluster
        // position, group, region if it is a leading firm.
        let keys: Vec<[u32; 5]> = m
            .firms
            .par_iter()
            .map(|f| {
                let cluster = if f.cluster != NONE {
                    m.institutions
                        .cluster_position(f.cluster)
                        .map_or(NONE, |p| p as u32)
                } else {
                    NONE
                };
                let region = u32::from(f.region);
                [
                    region,
                    u32::from(f.sector),
                    cluster,
                    f.group,
                    if f.employees >= leading { region } else { NONE },
                ]
            })
            .collect();
        let n_groups = keys
            .par_iter()
            .map(|k| if k[3] != NONE { k[3] as usize + 1 } else { 0 })
            .max()
            .unwrap_or(0);
        let column = |c: usize| -> Vec<u32> { keys.par_iter().map(|k| k[c]).collect() };
        let by_region = par::Groups::build(&column(0), n_regions);
        let by_sector = par::Groups::build(&column(1), crate::scenario::N_SECTORS);
        let cluster_members = par::Groups::build(&column(2), m.institutions.clusters.len());
        let group_members = par::Groups::build(&column(3), n_groups);
        let leading_by_region = par::Groups::build(&column(4), n_regions);
        let counts: Vec<f64> = (0..n_regions)
            .map(|r| by_region.of(r).len() as f64)
            .collect();
        let decay = ctx.kernel.decay_km;
        let region_kernel = RegionDraw::new(territory, counts, decay, reach.clone());
        let research: Vec<f64> = m
            .institutions
            .research_by_region
            .iter()
            .map(|v| v.len() as f64)
            .collect();
        let research_kernel = RegionDraw::new(territory, research, decay, reach);
        Self {
            by_region,
            by_sector,
            region_kernel,
            research_kernel,
            cluster_members,
            group_members,
            leading_by_region,
        }
    }
}

fn pick<R: rand::Rng + ?Sized>(v: &[u32], rng: &mut R) -> Option<usize> {
    if v.is_empty() {
        None
    } else {
        Some(v[rng.random_range(0..v.len())] as usize)
    }
}

/// A drawn candidate partner.
#[derive(Debug, Clone, Copy)]
enum Candidate {
    /// Firm `j`, with the origin of the draw and whether the pair is known
    /// to share a partner.
    Found(usize, Origin, Relation),
    /// A spatial draw: the firm at this position of the regions' member
    /// list (read once it has been fetched), unrelated, if not `i` itself.
    Slot(usize),
}

/// Start loading what the tie probability reads of candidate `j`.
#[inline]
fn fetch_firm(near: &[Near], j: usize) {
    par::prefetch(&near[j]);
}

/// Decide on candidate `j` of firm `i` (its data fetched): propose a tie
/// with the tie probability, drawing from `i`'s stream.
#[allow(clippy::too_many_arguments)]
fn consider(
    m: &Model,
    ctx: &StepContext,
    near: &[Near],
    (i, j): (usize, usize),
    origin: Origin,
    relation: Relation,
    rng: &mut crate::util::rng::Stream,
    out: &mut Vec<Proposal>,
) {
    let at_event = origin == Origin::Event;
    let p = pair_probability(m, ctx, &near[i], &near[j], relation, at_event);
    if rng.random::<f64>() < p {
        out.push(proposal(i, j, origin, rng));
    }
}

/// Whether the tie probability of `i` and `j` will look for a common
/// partner (see [`pair_probability`]); if so, start loading `j`'s partners.
#[inline]
fn fetch_common(m: &Model, near: &[Near], i: usize, j: usize, relation: Relation) -> bool {
    let (fi, fj) = (&near[i], &near[j]);
    let related = (fi.cluster != NONE && fi.cluster == fj.cluster)
        || (fi.group != NONE && fi.group == fj.group);
    let needed = relation == Relation::Unknown && !related && fi.degree > 0;
    if needed {
        m.network.adjacency.prefetch_entries(fj);
    }
    needed
}

/// Draw one candidate partner of firm `i`.
fn candidate<R: rand::Rng + ?Sized>(
    m: &Model,
    space: &SearchSpace,
    i: usize,
    network_share: f64,
    ecosystems: f64,
    rng: &mut R,
) -> Option<Candidate> {
    let f = &m.firms[i];
    if ecosystems > 0.0 && rng.random::<f64>() < ecosystems {
        let centres = space.leading_by_region.of(f.region as usize);
        if let Some(j) = pick(centres, rng)
            && j != i
        {
            return Some(Candidate::Found(j, Origin::Ecosystem, Relation::Unknown));
        }
    }
    if rng.random::<f64>() < network_share {
        let mut options: [Option<Origin>; 3] = [None; 3];
        let mut n = 0;
        if m.network.adjacency.degree(i) > 0 {
            options[n] = Some(Origin::PartnerOfPartner);
            n += 1;
        }
        let cluster_pos = if f.cluster != NONE {
            m.institutions.cluster_position(f.cluster)
        } else {
            None
        };
        if let Some(pos) = cluster_pos
            && space.cluster_members.of(pos).len() > 1
        {
            options[n] = Some(Origin::ClusterCoMember);
            n += 1;
        }
        if f.group != NONE && space.group_members.of(f.group as usize).len() > 1 {
            options[n] = Some(Origin::GroupCoMember);
            n += 1;
        }
        if n > 0 {
            let choice = options[rng.random_range(0..n)];
            return match choice {
                Some(Origin::PartnerOfPartner) => {
                    let adj = &m.network.adjacency;
                    let j1 = adj.random_partner(i, rng)?;
                    let j = adj.random_partner(j1, rng)?;
                    (j != i).then_some(Candidate::Found(
                        j,
                        Origin::PartnerOfPartner,
                        Relation::CommonPartner,
                    ))
                }
                Some(Origin::ClusterCoMember) => {
                    let j = pick(space.cluster_members.of(cluster_pos?), rng)?;
                    (j != i).then_some(Candidate::Found(
                        j,
                        Origin::ClusterCoMember,
                        Relation::Unknown,
                    ))
                }
                Some(Origin::GroupCoMember) => {
                    let j = pick(space.group_members.of(f.group as usize), rng)?;
                    (j != i).then_some(Candidate::Found(
                        j,
                        Origin::GroupCoMember,
                        Relation::Unknown,
                    ))
                }
                _ => None,
            };
        }
    }
    let region = space.region_kernel.draw(f.region as usize, rng)?;
    let span = space.by_region.span(region);
    if span.is_empty() {
        return None;
    }
    Some(Candidate::Slot(
        span.start + rng.random_range(0..span.len()),
    ))
}

/// Events of the step: each cluster organisation's events and the national
/// fairs, as lists of attending firm indices; with how many events each
/// organisation held.
fn schedule_events(m: &Model, ctx: &StepContext, space: &SearchSpace) -> (Vec<Vec<u32>>, Vec<u32>) {
    let c = &m.scenario.cooperation;
    let draw_external =
        |sector: usize, n: usize, rng: &mut crate::util::rng::Stream, out: &mut Vec<u32>| {
            let mut themes = vec![sector];
            themes.extend(m.sectors.complements[sector].iter().copied());
            for _ in 0..n {
                let s = themes[rng.random_range(0..themes.len())];
                if let Some(j) = pick(space.by_sector.of(s), rng) {
                    out.push(j as u32);
                }
            }
        };
    // An event needs two distinct attendees.
    let held = |mut attendees: Vec<u32>| {
        attendees.sort_unstable();
        attendees.dedup();
        (attendees.len() > 1).then_some(attendees)
    };
    let poisson = |mean: f64, rng: &mut crate::util::rng::Stream| -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        Poisson::new(mean)
            .map(|p| p.sample(rng) as u64)
            .unwrap_or(0)
    };
    // Each cluster organisation draws its events from its own stream: in
    // parallel, collected in organisation order.
    let instruments = m.scenario.instrument_list();
    let per_org: Vec<Vec<Vec<u32>>> = m
        .institutions
        .clusters
        .par_iter()
        .enumerate()
        .map(|(pos, org)| {
            let mut rng = m.streams.rng(Purpose::Events, ctx.step, u64::from(org.id));
            // Cluster animation is part of the local authority's budget;
            // an instrument funds its organisations' events at first.
            let rate = match instruments.get(org.instrument as usize) {
                Some(ins) if ctx.year <= org.funded_until => ins.event_rate,
                _ => {
                    let shares = &m.institutions.budget_shares[org.region as usize];
                    ctx.levers.event_rate * relative_share(m, shares, CLUSTER)
                }
            };
            let n = poisson(rate * ctx.dt, &mut rng);
            let mut events = Vec::new();
            for _ in 0..n {
                let mut attendees: Vec<u32> = space
                    .cluster_members
                    .of(pos)
                    .iter()
                    .copied()
                    .filter(|_| rng.random::<f64>() < c.event_attendance)
                    .collect();
                draw_external(
                    org.sector as usize,
                    c.event_external_attendees as usize,
                    &mut rng,
                    &mut attendees,
                );
                events.extend(held(attendees));
            }
            events
        })
        .collect();
    let held_by: Vec<u32> = per_org.iter().map(|e| e.len() as u32).collect();
    let mut events: Vec<Vec<u32>> = per_org.into_iter().flatten().collect();
    let mut rng = m.streams.rng(Purpose::Events, ctx.step, 1u64 << 48);
    let fairs = poisson(ctx.levers.fairs_per_year * ctx.dt, &mut rng);
    for k in 0..fairs {
        let mut rng = m
            .streams
            .rng(Purpose::Events, ctx.step, (1u64 << 48) + 1 + k);
        let theme = rng.random_range(0..crate::scenario::N_SECTORS);
        let mut attendees = Vec::new();
        draw_external(theme, c.fair_size as usize, &mut rng, &mut attendees);
        events.extend(held(attendees));
    }
    (events, held_by)
}

/// One step of cooperation: ties are renewed or decay, firms search for
/// partners and research links, meet at events, and the ties proposed form
/// within capacities; then firms learn from their partners.
pub fn cooperate(model: &mut Model, ctx: &StepContext, tally: &mut Tally) {
    let mut clock = Lap::start();
    let c = model.scenario.cooperation.clone();
    // Firms do not move nor learn until `learn` below: one view serves
    // renewal, search, events and learning.
    let mut views = Near::all(&model.firms);
    renew_ties(model, ctx, &c, &views, tally);
    // From here to the new ties, each view knows where its partners are.
    model.network.adjacency.place(&mut views);
    let near = &views[..];

    clock.lap(&mut model.timings.cooperation);

    let reach = model
        .reaches
        .get(&model.territory, ctx.kernel.decay_km, ctx.step);
    let m: &Model = model;
    let space = SearchSpace::new(m, &model.territory, ctx, reach);
    let (mut proposal_parts, research) = search_partners(m, ctx, &c, near, &space);
    let research = par::concat(&research);
    model
        .firms
        .par_iter_mut()
        .zip(research)
        .for_each(|(f, r)| f.research = r);
    // The proposals of the batches, then those of the events' meetings:
    // copied into one list in parallel once all are known.
    let (meetings, held_by) = meet_at_events(model, ctx, &c, near, &space, tally);
    proposal_parts.extend(meetings);
    proposal_parts.push(project_proposals(model));
    let proposals = par::concat(&proposal_parts);
    drop(proposal_parts);
    for (org, held) in model.institutions.clusters.iter_mut().zip(held_by) {
        org.events = held;
    }

    clock.lap(&mut model.timings.partner_search);

    form_ties(model, ctx, proposals, tally);
    learn(model, near, ctx);
    clock.lap(&mut model.timings.cooperation);
}

/// Renewal and decay of existing ties: a tie is renewed with probability
/// `renewal_rate · P` a year, else loses strength; weak ties dissolve.
fn renew_ties(
    model: &mut Model,
    ctx: &StepContext,
    c: &CooperationParams,
    views: &[Near],
    tally: &mut Tally,
) {
    let decay = (1.0 - c.tie_decay).powf(ctx.dt) as f32;
    let m: &Model = model;
    let near = views;
    // Gather both firms' views first: tight loops of independent loads keep
    // many cache misses in flight, where the full renewal (a stream per
    // tie) would wait for each in turn.
    let ends = m.network.ends();
    let partners: Vec<Near> = ends.par_iter().map(|&(_, j)| near[j as usize]).collect();
    let kept: Vec<Option<f32>> = m
        .network
        .ties()
        .par_iter()
        .zip(ends.par_iter().zip(partners.par_iter()))
        .map(|(t, (&(i, _), fj))| {
            let p = pair_probability(m, ctx, &near[i as usize], fj, Relation::Partners, false);
            let q = 1.0 - ctx.per_step(1.0 - c.renewal_rate * p);
            let mut rng = m
                .streams
                .rng(Purpose::TieRenewal, ctx.step, pair_id(t.a, t.b));
            if rng.random::<f64>() < q {
                Some(1.0)
            } else {
                let s = t.strength * decay;
                (f64::from(s) >= c.dissolve_below).then_some(s)
            }
        })
        .collect();
    let before = model.network.ties().len();
    model.network.retain(&kept, model.firms.len());
    tally.ties_dissolved = (before - model.network.ties().len()) as u32;
}

/// Partner search and research links, per batch of firms: the proposals
/// of each batch (in no particular order: they are sorted on every field
/// later) and its firms' research links.
fn search_partners(
    m: &Model,
    ctx: &StepContext,
    c: &CooperationParams,
    near: &[Near],
    space: &SearchSpace,
) -> (Vec<Vec<Proposal>>, Vec<Vec<u32>>) {
    let lev = &ctx.levers;
    let seek_research = 1.0 - (1.0 - lev.open_innovation).powf(ctx.dt);
    let drop_research = 1.0 - (1.0 - m.scenario.institutions.research_link_decay).powf(ctx.dt);
    // Each thread interleaves the searches of `INTERLEAVE` consecutive
    // firms: a candidate's data are prefetched when it is drawn and read
    // when its turn comes round again, so the cache misses of several
    // candidates overlap instead of stalling one after the other. Each
    // firm still draws from its own stream in the same order as alone.
    let advance = |s: &mut Search| {
        s.pending = None;
        while s.left > 0 {
            s.left -= 1;
            match candidate(
                m,
                space,
                s.i,
                c.network_share,
                lev.business_ecosystems,
                &mut s.rng,
            ) {
                None => {}
                Some(Candidate::Found(j, ..)) if m.network.adjacency.linked(s.i, j) => {}
                Some(found @ Candidate::Found(j, ..)) => {
                    fetch_firm(near, j);
                    s.pending = Some((found, false));
                    return;
                }
                Some(slot @ Candidate::Slot(k)) => {
                    par::prefetch(&space.by_region.members[k]);
                    s.pending = Some((slot, false));
                    return;
                }
            }
        }
    };
    let start = |i: usize| {
        let f = &m.firms[i];
        let mut rng = m
            .streams
            .rng(Purpose::PartnerSearch, ctx.step, u64::from(f.id));
        let size = (1.0 + f64::from(f.employees).ln_1p()) / (1.0 + 10f64.ln_1p());
        let mean = lev.cooperation_propensity * size * ctx.dt;
        let left = if mean > 0.0 {
            Poisson::new(mean)
                .map(|p| p.sample(&mut rng) as u64)
                .unwrap_or(0)
        } else {
            0
        };
        let mut s = Search {
            i,
            rng,
            left,
            pending: None,
        };
        advance(&mut s);
        s
    };
    // One stage of a search: read a fetched slot (then fetch the firm's
    // data), fetch the partners of a fetched candidate if the decision
    // needs them, or decide (then draw the next). Proposals go to `out`:
    // their order does not matter, they are sorted on every field below.
    let decide = |s: &mut Search, j, origin, relation, out: &mut Vec<Proposal>| {
        consider(m, ctx, near, (s.i, j), origin, relation, &mut s.rng, out);
        advance(s);
    };
    let turn = |s: &mut Search, out: &mut Vec<Proposal>| match s.pending {
        Some((Candidate::Slot(k), _)) => {
            let j = space.by_region.members[k] as usize;
            if j == s.i || m.network.adjacency.linked(s.i, j) {
                advance(s);
            } else {
                fetch_firm(near, j);
                let found = Candidate::Found(j, Origin::Spatial, Relation::Unknown);
                s.pending = Some((found, false));
            }
        }
        Some((found @ Candidate::Found(j, origin, relation), checked)) => {
            if !checked && fetch_common(m, near, s.i, j, relation) {
                s.pending = Some((found, true));
            } else {
                decide(s, j, origin, relation, out);
            }
        }
        None => {}
    };
    // The firm's research link, drawn after its candidates.
    let finish = |mut s: Search| {
        let f = &m.firms[s.i];
        let rng = &mut s.rng;
        if f.research != NONE {
            if rng.random::<f64>() < drop_research {
                NONE
            } else {
                f.research
            }
        } else if rng.random::<f64>() < seek_research {
            research_candidate(m, ctx, space, s.i, rng).unwrap_or(NONE)
        } else {
            NONE
        }
    };
    // Per batch of firms: its proposals and its firms' research links.
    let searches: Vec<(Vec<Proposal>, Vec<u32>)> = (0..m.firms.len().div_ceil(INTERLEAVE))
        .into_par_iter()
        .map(|b| {
            let mut batch: Vec<Search> = (b * INTERLEAVE
                ..((b + 1) * INTERLEAVE).min(m.firms.len()))
                .map(start)
                .collect();
            let mut out = Vec::new();
            round_robin(&mut batch, |s| s.pending.is_some(), |s| turn(s, &mut out));
            (out, batch.into_iter().map(finish).collect())
        })
        .collect();
    searches.into_iter().unzip()
}

/// The partners of the step's collaborative projects not yet linked
/// propose ties, served first (priority 0).
fn project_proposals(m: &Model) -> Vec<Proposal> {
    m.project_pairs
        .iter()
        .filter(|&&(i, j)| !m.network.adjacency.linked(i as usize, j as usize))
        .map(|&(i, j)| Proposal {
            lo: i,
            hi: j,
            priority: 0,
            origin: Origin::Project,
        })
        .collect()
}

/// Events: temporary geographic proximity. Each attendee meets a few
/// others at each event it attends; returns the proposals of the meetings
/// and how many events each cluster organisation held.
fn meet_at_events(
    m: &Model,
    ctx: &StepContext,
    c: &CooperationParams,
    near: &[Near],
    space: &SearchSpace,
    tally: &mut Tally,
) -> (Vec<Vec<Proposal>>, Vec<u32>) {
    let (events, held_by) = schedule_events(m, ctx, space);
    tally.events = events.len() as u32;
    let mut attendance: Vec<(u32, u32)> = events
        .iter()
        .enumerate()
        .flat_map(|(e, att)| att.iter().map(move |&i| (i, e as u32)))
        .collect();
    // (firm, event) pairs are unique: the parallel sort gives the same order.
    attendance.par_sort_unstable();
    // Interleaved as the searches are: a met firm's data are prefetched
    // when it is drawn and used on the attendee's next turn.
    let per_event = c.event_meetings.max(0) as u64;
    let meet = |s: &mut Meeting| {
        s.pending = None;
        loop {
            if s.left == 0 {
                if s.event + 1 >= s.group.len() {
                    return;
                }
                s.event += 1;
                s.left = per_event;
                continue;
            }
            s.left -= 1;
            let att = &events[s.group[s.event].1 as usize];
            let Some(j) = pick(att, &mut s.rng) else {
                continue;
            };
            if j == s.i || m.network.adjacency.linked(s.i, j) {
                continue;
            }
            fetch_firm(near, j);
            s.pending = Some((j, false));
            return;
        }
    };
    let groups: Vec<&[(u32, u32)]> = attendance.chunk_by(|a, b| a.0 == b.0).collect();
    let proposals = groups
        .par_chunks(INTERLEAVE)
        .map(|chunk| {
            let mut batch: Vec<Meeting> = chunk
                .iter()
                .map(|&group| {
                    let i = group[0].0 as usize;
                    let rng =
                        m.streams
                            .rng(Purpose::EventMeetings, ctx.step, u64::from(m.firms[i].id));
                    let mut s = Meeting {
                        i,
                        rng,
                        group,
                        event: 0,
                        left: per_event,
                        pending: None,
                    };
                    meet(&mut s);
                    s
                })
                .collect();
            let mut out = Vec::new();
            round_robin(
                &mut batch,
                |s| s.pending.is_some(),
                |s| {
                    let Some((j, checked)) = s.pending else {
                        return;
                    };
                    if !checked && fetch_common(m, near, s.i, j, Relation::Unknown) {
                        s.pending = Some((j, true));
                        return;
                    }
                    let (origin, relation) = (Origin::Event, Relation::Unknown);
                    consider(
                        m,
                        ctx,
                        near,
                        (s.i, j),
                        origin,
                        relation,
                        &mut s.rng,
                        &mut out,
                    );
                    meet(s);
                },
            );
            out
        })
        .collect();
    (proposals, held_by)
}

/// Apply proposals in a fixed order within tie capacities.
fn form_ties(
    model: &mut Model,
    ctx: &StepContext,
    mut proposals: Vec<Proposal>,
    tally: &mut Tally,
) {
    // One proposal per pair (the first in random order), then all in random order.
    // Sorting on every field (then on a key unique after dedup) makes the
    // order independent of the sort algorithm: the parallel sorts agree
    // with the sequential ones.
    proposals.par_sort_unstable();
    proposals.dedup_by_key(|p| (p.lo, p.hi));
    proposals.par_sort_unstable_by_key(|p| (p.priority, p.lo, p.hi));
    // Ties each firm can still take (capacity minus partners), in one
    // compact array; the serial loop prefetches the firms of the proposals
    // a few places ahead, since they come in random order.
    let m: &Model = model;
    let mut room: Vec<u32> = m
        .firms
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let free = capacity(m, f.employees).saturating_sub(m.network.adjacency.degree(i));
            u32::try_from(free).unwrap_or(u32::MAX)
        })
        .collect();
    const AHEAD: usize = 16;
    let mut accepted = Vec::new();
    for (k, p) in proposals.iter().enumerate() {
        if let Some(q) = proposals.get(k + AHEAD) {
            par::prefetch(&room[q.lo as usize]);
            par::prefetch(&room[q.hi as usize]);
        }
        let (i, j) = (p.lo as usize, p.hi as usize);
        if room[i] > 0 && room[j] > 0 {
            room[i] -= 1;
            room[j] -= 1;
            tally.ties_formed_by_origin[p.origin as usize] += 1;
            accepted.push(p);
        }
    }
    let year = ctx.year as i16;
    // A tie is stored with `a < b` (ids) and its ends in the same order.
    let formed: Vec<(Tie, (u32, u32))> = accepted
        .par_iter()
        .map(|p| {
            let (lo, hi) = (m.firms[p.lo as usize].id, m.firms[p.hi as usize].id);
            let (a, b, ends) = if lo < hi {
                (lo, hi, (p.lo, p.hi))
            } else {
                (hi, lo, (p.hi, p.lo))
            };
            let tie = Tie {
                a,
                b,
                strength: 1.0,
                origin: p.origin,
                formed: year,
            };
            (tie, ends)
        })
        .collect();
    tally.ties_formed = formed.len() as u32;
    model.network.add(formed, model.firms.len());
}

fn research_candidate<R: rand::Rng + ?Sized>(
    m: &Model,
    ctx: &StepContext,
    space: &SearchSpace,
    i: usize,
    rng: &mut R,
) -> Option<u32> {
    let f = &m.firms[i];
    let region = space.research_kernel.draw(f.region as usize, rng)?;
    let id = pick(&m.institutions.research_by_region[region], rng)?;
    let org = &m.institutions.research[id];
    let k = &ctx.kernel;
    let g = k.geographic(distance((f.x, f.y), (org.x, org.y)));
    let belonging = if f.cluster != NONE { 1.0 } else { 0.0 };
    let o = k.organised(belonging, similarity(&f.knowledge, &org.knowledge));
    (rng.random::<f64>() < k.tie_probability(g, o, m.scenario.cooperation.research_complementarity))
        .then_some(id as u32)
}

/// Learning through ties. A firm absorbs new knowledge from each partner
/// and from its research link ([`realised_gain`]: the learning rate times
/// the tie's strength, Nooteboom's inverted U of their cognitive distance
/// and its absorptive capacity) into its stock of ideas, which loses
/// `knowledge_obsolescence` a year; its knowledge profile moves towards its
/// partners' (`learning_rate` per unit of tie strength per year), so that
/// what a partner can teach shrinks as they learn from each other. Local
/// sourcing is rebuilt through local ties and eroded by globalisation
/// pressure on footloose plants.
fn learn(model: &mut Model, near: &[Near], ctx: &StepContext) {
    let m: &Model = model;
    let rate = m.scenario.cooperation.learning_rate;
    let lr = (rate * ctx.dt) as f32;
    let ip = &m.scenario.innovation;
    let cmax = ip.cognitive_distance_max;
    let keep = (1.0 - ip.knowledge_obsolescence).powf(ctx.dt);
    let rebuild = m.scenario.firms.embeddedness_rebuild * ctx.dt;
    let gp = ctx.levers.globalisation_pressure * ctx.dt;
    let adj = &m.network.adjacency;
    let partners: Vec<(Profile, u16)> = adj.gather(|j| (near[j].knowledge, near[j].region));
    let updates: Vec<([f32; N_KNOWLEDGE], f32, f32)> = (0..m.firms.len())
        .into_par_iter()
        .map(|i| {
            let f = &m.firms[i];
            let absorb = absorptive_capacity(ip.absorptive_skill_effect, f.mean_skill);
            let mut ideas = 0.0;
            if let Some(org) = m.institutions.research.get(f.research as usize) {
                let c = 1.0 - similarity(&f.knowledge, &org.knowledge);
                ideas += realised_gain(rate, ip.research_gain, c, cmax, absorb);
            }
            let mut k = f.knowledge;
            let (mut local, mut total) = (0.0, 0.0);
            for ((_, s), (knowledge, region)) in adj.neighbours(i).zip(&partners[adj.span(i)]) {
                let c = 1.0 - similarity(&f.knowledge, knowledge);
                ideas += realised_gain(rate, f64::from(s), c, cmax, absorb);
                for (x, y) in k.iter_mut().zip(knowledge) {
                    *x += lr * s * (y - *x);
                }
                total += f64::from(s);
                if *region == f.region {
                    local += f64::from(s);
                }
            }
            let ideas = (f64::from(f.ideas) * keep + ideas * ctx.dt) as f32;
            normalise(&mut k);
            let mut e = f64::from(f.embeddedness);
            if total > 0.0 {
                e += rebuild * (local / total) * (1.0 - e);
            }
            e -= gp
                * f.ownership.exposure(&m.scenario.firms)
                * m.sectors.exposure[f.sector as usize]
                * e;
            (k, e.clamp(0.0, 1.0) as f32, ideas)
        })
        .collect();
    model
        .firms
        .par_iter_mut()
        .zip(updates)
        .for_each(|(f, (k, e, ideas))| {
            f.knowledge = k;
            f.embeddedness = e;
            f.ideas = ideas;
        });
}
