//! Cooperation ties between firms: partner search, tie formation, renewal
//! and decay, events (temporary proximity), research links and learning.
//!
//! Candidates are never drawn from all pairs. A firm examines a Poisson
//! number of candidates per year (more for larger firms): from space (a
//! region drawn with weight `firms_s · exp(−d(r,s)/λ)`, then a firm of that
//! region), from its network (a partner of a partner, a co-member of its
//! cluster organisation or of its group), and at the events it attends.
//! Each candidate becomes a partner with the probability of
//! [`crate::proximity::Kernel::tie_probability`], within both firms' tie
//! capacity. Every year a tie is renewed with probability
//! `renewal_rate · P`, where partners count as belonging together
//! (`partner_belonging`), so that organised proximity sustains distant ties
//! that geography alone would not; otherwise it loses a share of its
//! strength, and weak ties dissolve.

use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

use crate::agents::{NONE, Near};
use crate::metrics::Tally;
use crate::model::{Model, StepContext};
use crate::reach::{Reach, RegionDraw};
use crate::scenario::N_KNOWLEDGE;
use crate::sectors::Profile;
use crate::territory::Territory;
use crate::util::geometry::distance;
use crate::util::par;
use crate::util::profile::{normalise, similarity};
use crate::util::rng::{Purpose, pair_id};
use std::sync::Arc;

/// How a tie came about: the proximity that brought the partners together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Origin {
    /// Drawn from the spatial neighbourhood.
    Spatial,
    /// A partner of a partner (triadic closure).
    PartnerOfPartner,
    /// A co-member of the same cluster organisation.
    ClusterCoMember,
    /// A plant of the same group.
    GroupCoMember,
    /// Met at an event (temporary geographic proximity).
    Event,
    /// A leading firm at the centre of the region's business ecosystem.
    Ecosystem,
}

impl Origin {
    /// All origins, in order.
    pub const ALL: [Origin; 6] = [
        Origin::Spatial,
        Origin::PartnerOfPartner,
        Origin::ClusterCoMember,
        Origin::GroupCoMember,
        Origin::Event,
        Origin::Ecosystem,
    ];
}

/// An undirected cooperation tie, stored once with `a < b` (firm ids).
#[derive(Debug, Clone, Copy)]
pub struct Tie {
    pub a: u32,
    pub b: u32,
    /// Strength in (dissolve_below, 1]; 1 when formed or renewed.
    pub strength: f32,
    pub origin: Origin,
    /// Year the tie was formed.
    pub formed: i16,
}

/// Partners of each firm by index (rows sorted by partner index).
#[derive(Debug, Clone, Default)]
pub struct Adjacency {
    offsets: Vec<u32>,
    entries: Vec<(u32, f32)>,
}

impl Adjacency {
    /// Build from ties and the indices of their firms (`ends`, aligned
    /// with `ties`) for `n` firms. Rows are filled in tie order then
    /// sorted, in parallel over ranges of firms (see [`crate::util::par`]).
    pub fn build(ties: &[Tie], ends: &[(u32, u32)], n: usize) -> Self {
        let ranges = par::key_ranges(n, par::parts());
        let inside = |k: u32, lo: usize, hi: usize| (k as usize) >= lo && (k as usize) < hi;
        let mut degree = par::filled(0u32, n);
        par::split_by(&mut degree, &ranges)
            .into_par_iter()
            .zip(ranges.par_iter())
            .for_each(|(degree, &(lo, hi))| {
                for &(i, j) in ends {
                    if inside(i, lo, hi) {
                        degree[i as usize - lo] += 1;
                    }
                    if inside(j, lo, hi) {
                        degree[j as usize - lo] += 1;
                    }
                }
            });
        let offsets = par::offsets(&degree);
        let mut entries = par::filled((0u32, 0f32), offsets[n] as usize);
        let entry_ranges: Vec<(usize, usize)> = ranges
            .iter()
            .map(|&(lo, hi)| (offsets[lo] as usize, offsets[hi] as usize))
            .collect();
        par::split_by(&mut entries, &entry_ranges)
            .into_par_iter()
            .zip(ranges.par_iter())
            .for_each(|(entries, &(lo, hi))| {
                let base = offsets[lo];
                let mut fill: Vec<u32> = offsets[lo..hi].iter().map(|o| o - base).collect();
                for (t, &(i, j)) in ties.iter().zip(ends) {
                    if inside(i, lo, hi) {
                        let f = &mut fill[i as usize - lo];
                        entries[*f as usize] = (j, t.strength);
                        *f += 1;
                    }
                    if inside(j, lo, hi) {
                        let f = &mut fill[j as usize - lo];
                        entries[*f as usize] = (i, t.strength);
                        *f += 1;
                    }
                }
                for k in lo..hi {
                    let (a, b) = (offsets[k] - base, offsets[k + 1] - base);
                    entries[a as usize..b as usize].sort_unstable_by_key(|e| e.0);
                }
            });
        Self { offsets, entries }
    }

    fn row(&self, i: usize) -> &[(u32, f32)] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }

    /// `f(j)` for the partner `j` of every entry, aligned with the rows
    /// (see [`Adjacency::span`]). Gathering in one tight parallel pass keeps
    /// many cache misses in flight; the loops over rows then read in order.
    pub fn gather<T: Send>(&self, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
        self.entries
            .par_iter()
            .map(|&(j, _)| f(j as usize))
            .collect()
    }

    /// Position of the row of firm `i` among the entries.
    pub fn span(&self, i: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// Partners of firm `i` with tie strengths.
    pub fn neighbours(&self, i: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.row(i).iter().copied()
    }

    /// A partner of `i` drawn uniformly, if it has any.
    pub fn random_partner<R: rand::Rng + ?Sized>(&self, i: usize, rng: &mut R) -> Option<usize> {
        let row = self.row(i);
        if row.is_empty() {
            None
        } else {
            Some(row[rng.random_range(0..row.len())].0 as usize)
        }
    }

    /// Record in each firm's view where its row is (see [`Near::row`]).
    pub fn place(&self, near: &mut [Near]) {
        near.par_iter_mut()
            .zip(self.offsets.par_windows(2))
            .for_each(|(v, o)| {
                v.row = o[0];
                v.degree = o[1] - o[0];
            });
    }

    /// Partners of the firm whose placed view is `v` (see
    /// [`Adjacency::place`]).
    #[inline]
    fn row_of(&self, v: &Near) -> &[(u32, f32)] {
        let start = v.row as usize;
        self.entries
            .get(start..start + v.degree as usize)
            .unwrap_or(&[])
    }

    /// Start loading the first partners of the firm whose placed view is `v`.
    #[inline]
    pub fn prefetch_entries(&self, v: &Near) {
        if let Some(e) = self.entries.get(v.row as usize) {
            par::prefetch(e);
        }
    }

    /// Number of partners of firm `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.row(i).len()
    }

    /// Whether `i` and `j` are partners.
    pub fn linked(&self, i: usize, j: usize) -> bool {
        self.row(i)
            .binary_search_by_key(&(j as u32), |e| e.0)
            .is_ok()
    }

    /// Whether two firms, by their placed views (see [`Adjacency::place`]),
    /// have a partner in common.
    pub fn common_partner(&self, vi: &Near, vj: &Near) -> bool {
        let (a, b) = (self.row_of(vi), self.row_of(vj));
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            match a[x].0.cmp(&b[y].0) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// All ties, sorted by `(a, b)`, the index in `firms` of the two firms of
/// each tie, and the adjacency of the current firms. The indices are kept
/// with the ties (and remapped when firms exit), so that no step looks up
/// the ids of every tie's firms.
#[derive(Debug, Clone, Default)]
pub struct Network {
    ties: Vec<Tie>,
    ends: Vec<(u32, u32)>,
    pub adjacency: Adjacency,
}

impl Network {
    /// All ties, sorted by `(a, b)`.
    pub fn ties(&self) -> &[Tie] {
        &self.ties
    }

    /// Index in `firms` of the firms `(a, b)` of each tie, aligned with
    /// [`Network::ties`].
    pub fn ends(&self) -> &[(u32, u32)] {
        &self.ends
    }

    /// Keep each tie with the strength `kept` gives it (aligned with the
    /// ties; `None` dissolves it) and rebuild the adjacency of `n` firms.
    pub fn retain(&mut self, kept: &[Option<f32>], n: usize) {
        let (ties, ends) = (&self.ties, &self.ends);
        let next = self.filtered(|k| {
            let strength = (*kept.get(k)?)?;
            Some((
                Tie {
                    strength,
                    ..ties[k]
                },
                ends[k],
            ))
        });
        self.set(next, n);
    }

    /// What `keep` makes of each tie (`None` drops it), in tie order:
    /// filtered by blocks of ties in parallel, then copied into place in
    /// parallel.
    fn filtered(&self, keep: impl Fn(usize) -> Option<(Tie, (u32, u32))> + Sync) -> TieList {
        let blocks = par::key_ranges(self.ties.len(), 4 * par::parts());
        let parts: Vec<TieList> = blocks
            .into_par_iter()
            .map(|(lo, hi)| (lo..hi).filter_map(&keep).unzip())
            .collect();
        join_parts(parts)
    }

    /// Replace the ties and their ends, and rebuild the adjacency of `n`
    /// firms.
    fn set(&mut self, (ties, ends): TieList, n: usize) {
        self.adjacency = Adjacency::build(&ties, &ends, n);
        (self.ties, self.ends) = (ties, ends);
    }

    /// Add new ties (pairs not yet tied, with the indices of their firms)
    /// and rebuild the adjacency of `n` firms. The new ties are sorted and
    /// merged into the sorted ties, in parallel over ranges of the ties:
    /// pairs are unique, so the result is the one sorted order.
    pub fn add(&mut self, mut formed: Vec<(Tie, (u32, u32))>, n: usize) {
        let key = |t: &Tie| (t.a, t.b);
        formed.par_sort_unstable_by_key(|(t, _)| key(t));
        let old = &self.ties;
        // The new ties that go before `old[k]`; the first part starts with
        // all the new ties before it, the last one ends with all the rest.
        let cut = |k: usize| match old.get(k) {
            Some(t) => formed.partition_point(|(f, _)| key(f) < key(t)),
            None => formed.len(),
        };
        let parts: Vec<(usize, usize, usize, usize)> = par::key_ranges(old.len(), par::parts())
            .into_iter()
            .map(|(lo, hi)| {
                let flo = if lo == 0 { 0 } else { cut(lo) };
                (lo, hi, flo, cut(hi))
            })
            .collect();
        let (ends, formed) = (&self.ends, &formed);
        let merged: Vec<TieList> = parts
            .into_par_iter()
            .map(|(lo, hi, flo, fhi)| {
                let mut a = old[lo..hi].iter().zip(&ends[lo..hi]).peekable();
                let mut b = formed[flo..fhi].iter().map(|(t, e)| (t, e)).peekable();
                std::iter::from_fn(move || {
                    let next = match (a.peek(), b.peek()) {
                        (Some(x), Some(y)) if key(x.0) < key(y.0) => a.next(),
                        (Some(_), Some(_)) | (None, _) => b.next(),
                        (Some(_), None) => a.next(),
                    };
                    next.map(|(t, e)| (*t, *e))
                })
                .unzip()
            })
            .collect();
        self.set(join_parts(merged), n);
    }

    /// After firms were removed, `new_index[i]` being the new index of the
    /// firm at index `i` (or [`NONE`] if it exited): drop the ties to firms
    /// that exited, renumber the others' ends and rebuild the adjacency of
    /// the `n` remaining firms.
    pub fn remap(&mut self, new_index: &[u32], n: usize) {
        let (ties, ends) = (&self.ties, &self.ends);
        let next = self.filtered(|k| {
            let (i, j) = ends[k];
            let (a, b) = (new_index[i as usize], new_index[j as usize]);
            (a != NONE && b != NONE).then_some((ties[k], (a, b)))
        });
        self.set(next, n);
    }
}

/// Ties and the indices of their firms, aligned.
type TieList = (Vec<Tie>, Vec<(u32, u32)>);

/// The ties and ends of consecutive parts, each list copied into place in
/// parallel.
fn join_parts(parts: Vec<TieList>) -> TieList {
    let (ties, ends): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    rayon::join(|| par::concat(&ties), || par::concat(&ends))
}

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
    let o = k.organised(belonging, similarity(&fi.knowledge, &fj.knowledge));
    let c = m.sectors.complementarity[fi.sector as usize][fj.sector as usize];
    k.tie_probability(g, o, c)
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
/// fairs, as lists of attending firm indices.
fn schedule_events(m: &Model, ctx: &StepContext, space: &SearchSpace) -> Vec<Vec<u32>> {
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
    let mut events: Vec<Vec<u32>> = m
        .institutions
        .clusters
        .par_iter()
        .enumerate()
        .flat_map_iter(|(pos, org)| {
            let mut rng = m.streams.rng(Purpose::Events, ctx.step, u64::from(org.id));
            // Cluster animation is part of the local authority's budget.
            let shares = &m.institutions.budget_shares[org.region as usize];
            let animation =
                crate::governance::relative_share(m, shares, crate::governance::CLUSTER);
            let n = poisson(ctx.levers.event_rate * animation * ctx.dt, &mut rng);
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
    events
}

/// One step of cooperation.
pub fn cooperate(model: &mut Model, ctx: &StepContext, tally: &mut Tally) {
    let mut clock = crate::model::Lap::start();
    let n = model.firms.len();
    let c = model.scenario.cooperation.clone();

    // 1. Renewal and decay of existing ties.
    let decay = (1.0 - c.tie_decay).powf(ctx.dt) as f32;
    let m: &Model = model;
    // Firms do not move nor learn until `learn` below: one view serves
    // renewal, search, events and learning.
    let mut views = Near::all(&m.firms);
    let near = &views[..];
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
    model.network.retain(&kept, n);
    tally.ties_dissolved = (before - model.network.ties().len()) as u32;
    // From here to the new ties, each view knows where its partners are.
    model.network.adjacency.place(&mut views);
    let near = &views[..];

    clock.lap(&mut model.timings.cooperation);

    // 2. Partner search and research links.
    let reach = model
        .reaches
        .get(&model.territory, ctx.kernel.decay_km, ctx.step);
    let m: &Model = model;
    let space = SearchSpace::new(m, &model.territory, ctx, reach);
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
                &space,
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
            research_candidate(m, ctx, &space, s.i, rng).unwrap_or(NONE)
        } else {
            NONE
        }
    };
    // Per batch of firms: its proposals and its firms' research links.
    let searches: Vec<(Vec<Proposal>, Vec<u32>)> = (0..n.div_ceil(INTERLEAVE))
        .into_par_iter()
        .map(|b| {
            let mut batch: Vec<Search> = (b * INTERLEAVE..((b + 1) * INTERLEAVE).min(n))
                .map(start)
                .collect();
            let mut out = Vec::new();
            round_robin(&mut batch, |s| s.pending.is_some(), |s| turn(s, &mut out));
            (out, batch.into_iter().map(finish).collect())
        })
        .collect();
    // The proposals of the batches, then those of the events' meetings:
    // copied into one list in parallel once all are known.
    let (mut proposal_parts, research): (Vec<Vec<Proposal>>, Vec<Vec<u32>>) =
        searches.into_iter().unzip();
    let research = par::concat(&research);
    model
        .firms
        .par_iter_mut()
        .zip(research)
        .for_each(|(f, r)| f.research = r);

    // 3. Events: temporary geographic proximity.
    let m: &Model = model;
    let events = schedule_events(m, ctx, &space);
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
    let meetings: Vec<Vec<Proposal>> = groups
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
    proposal_parts.extend(meetings);
    let mut proposals = par::concat(&proposal_parts);
    drop(proposal_parts);

    clock.lap(&mut model.timings.partner_search);

    // 4. Apply proposals in a fixed order within tie capacities.
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
    model.network.add(formed, n);

    // 5. Learning and local embeddedness.
    learn(model, near, ctx);
    clock.lap(&mut model.timings.cooperation);
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

/// Knowledge profiles move towards partners' (`learning_rate` per unit of
/// tie strength per year); local sourcing is rebuilt through local ties and
/// eroded by globalisation pressure on footloose plants.
fn learn(model: &mut Model, near: &[Near], ctx: &StepContext) {
    let m: &Model = model;
    let lr = (m.scenario.cooperation.learning_rate * ctx.dt) as f32;
    let rebuild = m.scenario.firms.embeddedness_rebuild * ctx.dt;
    let gp = ctx.levers.globalisation_pressure * ctx.dt;
    let adj = &m.network.adjacency;
    let partners: Vec<(Profile, u16)> = adj.gather(|j| (near[j].knowledge, near[j].region));
    let updates: Vec<([f32; N_KNOWLEDGE], f32)> = (0..m.firms.len())
        .into_par_iter()
        .map(|i| {
            let f = &m.firms[i];
            let mut k = f.knowledge;
            let (mut local, mut total) = (0.0, 0.0);
            for ((_, s), (knowledge, region)) in adj.neighbours(i).zip(&partners[adj.span(i)]) {
                for (x, y) in k.iter_mut().zip(knowledge) {
                    *x += lr * s * (y - *x);
                }
                total += f64::from(s);
                if *region == f.region {
                    local += f64::from(s);
                }
            }
            normalise(&mut k);
            let mut e = f64::from(f.embeddedness);
            if total > 0.0 {
                e += rebuild * (local / total) * (1.0 - e);
            }
            e -= gp
                * f.ownership.exposure(&m.scenario.firms)
                * m.sectors.exposure[f.sector as usize]
                * e;
            (k, e.clamp(0.0, 1.0) as f32)
        })
        .collect();
    model
        .firms
        .par_iter_mut()
        .zip(updates)
        .for_each(|(f, (k, e))| {
            f.knowledge = k;
            f.embeddedness = e;
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tie(a: u32, b: u32) -> Tie {
        Tie {
            a,
            b,
            strength: 1.0,
            origin: Origin::Spatial,
            formed: 1950,
        }
    }

    /// Pairs of the network with their ends (index = id + 100 here).
    fn pairs(net: &Network) -> Vec<(u32, u32, u32, u32)> {
        net.ties()
            .iter()
            .zip(net.ends())
            .map(|(t, &(i, j))| (t.a, t.b, i, j))
            .collect()
    }

    #[test]
    fn added_ties_merge_into_sorted_order_for_any_thread_count() {
        let n = 400;
        let all: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|&(a, b)| (a * 7 + b * 13) % 11 == 0)
            .collect();
        // Every third pair already tied, the others added in scrambled order.
        let (old, new): (Vec<_>, Vec<_>) = all.iter().enumerate().partition(|(k, _)| k % 3 == 0);
        let ends = |a: u32, b: u32| (a + 100, b + 100);
        let mut expected: Vec<(u32, u32, u32, u32)> =
            all.iter().map(|&(a, b)| (a, b, a + 100, b + 100)).collect();
        expected.sort_unstable();
        for threads in [1, 2, 3, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut net = Network::default();
            let first: Vec<(Tie, (u32, u32))> = old
                .iter()
                .map(|&(_, &(a, b))| (tie(a, b), ends(a, b)))
                .collect();
            let mut formed: Vec<(Tie, (u32, u32))> = new
                .iter()
                .map(|&(_, &(a, b))| (tie(a, b), ends(a, b)))
                .collect();
            formed.reverse();
            formed.swap(0, 5);
            pool.install(|| {
                net.add(Vec::new(), 600);
                net.add(first, 600);
                net.add(formed, 600);
            });
            assert_eq!(pairs(&net), expected, "{threads} threads");
        }
    }

    #[test]
    fn placed_views_find_the_rows_and_common_partners() {
        let mut net = Network::default();
        // Firms 0..5: 0-1, 0-2, 1-3, 2-3, 3-4; firm 5 alone.
        let pairs = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
        net.add(
            pairs
                .iter()
                .map(|&(i, j)| (tie(i + 1, j + 1), (i, j)))
                .collect(),
            6,
        );
        let firm = crate::agents::Firm::FRESH;
        let mut views = vec![Near::of(&firm); 6];
        net.adjacency.place(&mut views);
        let adj = &net.adjacency;
        for (i, v) in views.iter().enumerate() {
            assert_eq!(adj.row_of(v), adj.row(i), "firm {i}");
            assert_eq!(v.degree as usize, adj.degree(i));
        }
        let common = |i: usize, j: usize| adj.common_partner(&views[i], &views[j]);
        assert!(common(0, 3) && common(1, 2) && common(2, 4));
        assert!(!common(0, 4) && !common(0, 1) && !common(5, 3));
    }

    #[test]
    fn remap_drops_ties_of_removed_firms_and_renumbers_the_rest() {
        let mut net = Network::default();
        net.add(
            vec![
                (tie(1, 2), (0, 1)),
                (tie(1, 3), (0, 2)),
                (tie(2, 4), (1, 3)),
                (tie(3, 4), (2, 3)),
            ],
            4,
        );
        // Firm 2 (index 1) exits.
        net.remap(&[0, NONE, 1, 2], 3);
        assert_eq!(pairs(&net), vec![(1, 3, 0, 1), (3, 4, 1, 2)]);
        assert!(net.adjacency.linked(0, 1) && net.adjacency.linked(1, 2));
        assert!(!net.adjacency.linked(0, 2));
        net.retain(&[None, Some(0.5)], 3);
        assert_eq!(pairs(&net), vec![(3, 4, 1, 2)]);
        assert_eq!(net.ties()[0].strength, 0.5);
    }
}
