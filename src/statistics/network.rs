//! The cooperation network as data and its structure: the rows of
//! `ties.csv` and `nodes.csv` (and the same network as GraphML) for a
//! snapshot year, and the structural columns of `timeseries.csv`
//! (density, transitivity, largest component, mean degree, degree Gini).
//! Nothing here compares all pairs: triangles are counted by intersecting
//! sorted adjacency rows, components by union–find over the ties.

use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::scenario::SECTOR_NAMES;
use crate::state::agents::{Firm, NONE};
use crate::state::institutions::ClusterOrg;
use crate::state::model::Model;
use crate::state::network::{Adjacency, Origin};
use crate::state::proximity::{Kernel, absorptive_capacity, realised_gain};
use crate::util::geometry::distance;
use crate::util::profile::similarity;

/// Name of an origin in `ties.csv` and in the `ties_by_<origin>` columns.
pub fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::Spatial => "spatial",
        Origin::PartnerOfPartner => "partner_of_partner",
        Origin::ClusterCoMember => "cluster",
        Origin::GroupCoMember => "group",
        Origin::Event => "event",
        Origin::Ecosystem => "ecosystem",
        Origin::Project => "project",
    }
}

/// One row of `ties.csv`: a cooperation tie between two firms, or a
/// firm's link to a research organisation or membership of a cluster
/// organisation (empty where a column does not apply).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TieRow {
    pub year: i64,
    pub from_firm: u32,
    /// Firm id, or `research_<k>` / `cluster_<id>`.
    pub to_firm: String,
    pub origin: &'static str,
    pub km: f64,
    pub cognitive_distance: Option<f64>,
    pub organised: Option<f64>,
    pub age: Option<i64>,
    pub knowledge_gain: Option<f64>,
    pub strength: Option<f64>,
}

/// One row of `nodes.csv`: a firm, or an organisation that takes part.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeRow {
    pub year: i64,
    /// Firm id, or `research_<k>` / `cluster_<id>`.
    pub firm_id: String,
    /// Id of the firm's group (empty: independent, or an organisation).
    pub enterprise: Option<u32>,
    pub sector: &'static str,
    pub region: String,
    pub x_km: f64,
    pub y_km: f64,
    pub employees: Option<u32>,
    pub cluster_member: bool,
    /// `firm`, `research` or `cluster`.
    pub kind: &'static str,
}

/// A firm's absorptive capacity under the scenario.
fn absorb_of(m: &Model, f: &Firm) -> f64 {
    absorptive_capacity(m.scenario.innovation.absorptive_skill_effect, f.mean_skill)
}

/// The network of the step just simulated: nodes (firms by id, then the
/// research organisations with a linked firm, then the cluster
/// organisations with a member) and ties (firm ties by their ids, then
/// research links and cluster memberships by firm id). `kernel` is the
/// proximity kernel of that step.
pub fn snapshot(m: &Model, kernel: &Kernel, year: i64) -> (Vec<NodeRow>, Vec<TieRow>) {
    let (ox, oy) = m.territory.origin;
    let region_name = |r: u16| m.territory.regions[r as usize].name.clone();
    let mut by_id: Vec<usize> = (0..m.firms.len()).collect();
    by_id.sort_unstable_by_key(|&i| m.firms[i].id);
    let mut nodes: Vec<NodeRow> = by_id
        .iter()
        .map(|&i| {
            let f = &m.firms[i];
            NodeRow {
                year,
                firm_id: f.id.to_string(),
                enterprise: (f.group != NONE).then_some(f.group),
                sector: SECTOR_NAMES[f.sector as usize],
                region: region_name(f.region),
                x_km: f64::from(f.x) + ox,
                y_km: f64::from(f.y) + oy,
                employees: Some(f.employees),
                cluster_member: f.cluster != NONE,
                kind: "firm",
            }
        })
        .collect();
    let mut ties = firm_ties(m, kernel, year);
    let research = &m.institutions.research;
    let mut linked = vec![false; research.len()];
    let mut members = std::collections::BTreeSet::new();
    let cmax = m.scenario.innovation.cognitive_distance_max;
    let rate = m.scenario.cooperation.learning_rate;
    for &i in &by_id {
        let f = &m.firms[i];
        if let Some(org) = research.get(f.research as usize) {
            linked[f.research as usize] = true;
            let sim = similarity(&f.knowledge, &org.knowledge);
            let belonging = if f.cluster != NONE { 1.0 } else { 0.0 };
            ties.push(TieRow {
                year,
                from_firm: f.id,
                to_firm: format!("research_{}", f.research),
                origin: "research_link",
                km: distance((f.x, f.y), (org.x, org.y)),
                cognitive_distance: Some(1.0 - sim),
                organised: Some(kernel.organised(belonging, sim)),
                age: None,
                knowledge_gain: Some(realised_gain(
                    rate,
                    m.scenario.innovation.research_gain,
                    1.0 - sim,
                    cmax,
                    absorb_of(m, f),
                )),
                strength: None,
            });
        }
    }
    let clusters_by_id: std::collections::HashMap<u32, &ClusterOrg> =
        m.institutions.clusters.iter().map(|c| (c.id, c)).collect();
    for &i in &by_id {
        let f = &m.firms[i];
        let Some(&c) = clusters_by_id.get(&f.cluster) else {
            continue;
        };
        members.insert(c.id);
        let reg = &m.territory.regions[c.region as usize];
        ties.push(TieRow {
            year,
            from_firm: f.id,
            to_firm: format!("cluster_{}", c.id),
            origin: "cluster_membership",
            km: distance((f.x, f.y), (reg.x as f32, reg.y as f32)),
            cognitive_distance: None,
            organised: None,
            age: None,
            knowledge_gain: None,
            strength: None,
        });
    }
    for (k, org) in research.iter().enumerate().filter(|(k, _)| linked[*k]) {
        nodes.push(NodeRow {
            year,
            firm_id: format!("research_{k}"),
            enterprise: None,
            sector: "",
            region: region_name(org.region),
            x_km: f64::from(org.x) + ox,
            y_km: f64::from(org.y) + oy,
            employees: None,
            cluster_member: false,
            kind: "research",
        });
    }
    let mut clusters: Vec<_> = m
        .institutions
        .clusters
        .iter()
        .filter(|c| members.contains(&c.id))
        .collect();
    clusters.sort_unstable_by_key(|c| c.id);
    for c in clusters {
        let reg = &m.territory.regions[c.region as usize];
        nodes.push(NodeRow {
            year,
            firm_id: format!("cluster_{}", c.id),
            enterprise: None,
            sector: SECTOR_NAMES[c.sector as usize],
            region: reg.name.clone(),
            x_km: reg.x + ox,
            y_km: reg.y + oy,
            employees: None,
            cluster_member: false,
            kind: "cluster",
        });
    }
    (nodes, ties)
}

/// The ties between firms, in tie order (sorted by the firms' ids).
fn firm_ties(m: &Model, kernel: &Kernel, year: i64) -> Vec<TieRow> {
    let cmax = m.scenario.innovation.cognitive_distance_max;
    let rate = m.scenario.cooperation.learning_rate;
    let partner = m.scenario.proximity.partner_belonging;
    m.network
        .ties()
        .par_iter()
        .zip(m.network.ends().par_iter())
        .map(|(t, &(i, j))| {
            let (a, b) = (&m.firms[i as usize], &m.firms[j as usize]);
            let same = (a.cluster != NONE && a.cluster == b.cluster)
                || (a.group != NONE && a.group == b.group);
            let belonging = if same { 1.0 } else { partner };
            let sim = similarity(&a.knowledge, &b.knowledge);
            TieRow {
                year,
                from_firm: t.a,
                to_firm: t.b.to_string(),
                origin: origin_name(t.origin),
                km: distance((a.x, a.y), (b.x, b.y)),
                cognitive_distance: Some(1.0 - sim),
                organised: Some(kernel.organised(belonging, sim)),
                age: Some(year - i64::from(t.formed)),
                knowledge_gain: Some(realised_gain(
                    rate,
                    f64::from(t.strength),
                    1.0 - sim,
                    cmax,
                    absorb_of(m, a) + absorb_of(m, b),
                )),
                strength: Some(f64::from(t.strength)),
            }
        })
        .collect()
}

/// Escape text for XML.
fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Write the snapshot as GraphML (undirected; attributes as in
/// `nodes.csv` and `ties.csv`, absent where a column is empty).
pub fn write_graphml(
    out: &mut impl Write,
    nodes: &[NodeRow],
    ties: &[TieRow],
) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    let keys = [
        ("node", "kind", "string"),
        ("node", "enterprise", "long"),
        ("node", "sector", "string"),
        ("node", "region", "string"),
        ("node", "x_km", "double"),
        ("node", "y_km", "double"),
        ("node", "employees", "long"),
        ("node", "cluster_member", "boolean"),
        ("edge", "origin", "string"),
        ("edge", "km", "double"),
        ("edge", "cognitive_distance", "double"),
        ("edge", "organised", "double"),
        ("edge", "age", "long"),
        ("edge", "knowledge_gain", "double"),
        ("edge", "strength", "double"),
    ];
    for (on, name, ty) in keys {
        writeln!(
            out,
            r#"  <key id="{name}" for="{on}" attr.name="{name}" attr.type="{ty}"/>"#
        )?;
    }
    writeln!(
        out,
        r#"  <graph id="cooperation" edgedefault="undirected">"#
    )?;
    for n in nodes {
        write!(
            out,
            r#"    <node id="{}"><data key="kind">{}</data>"#,
            xml(&n.firm_id),
            n.kind
        )?;
        if let Some(e) = n.enterprise {
            write!(out, r#"<data key="enterprise">{e}</data>"#)?;
        }
        if !n.sector.is_empty() {
            write!(out, r#"<data key="sector">{}</data>"#, n.sector)?;
        }
        write!(
            out,
            r#"<data key="region">{}</data><data key="x_km">{}</data><data key="y_km">{}</data>"#,
            xml(&n.region),
            n.x_km,
            n.y_km
        )?;
        if let Some(e) = n.employees {
            write!(out, r#"<data key="employees">{e}</data>"#)?;
        }
        writeln!(
            out,
            r#"<data key="cluster_member">{}</data></node>"#,
            n.cluster_member
        )?;
    }
    for t in ties {
        write!(
            out,
            r#"    <edge source="{}" target="{}"><data key="origin">{}</data><data key="km">{}</data>"#,
            t.from_firm,
            xml(&t.to_firm),
            t.origin,
            t.km
        )?;
        let optional = [
            ("cognitive_distance", t.cognitive_distance),
            ("organised", t.organised),
            ("age", t.age.map(|a| a as f64)),
            ("knowledge_gain", t.knowledge_gain),
            ("strength", t.strength),
        ];
        for (key, v) in optional {
            if let Some(v) = v {
                write!(out, r#"<data key="{key}">{v}</data>"#)?;
            }
        }
        writeln!(out, "</edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

/// The structure of the firm network (ties between firms only).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Structure {
    /// Ties over possible pairs, `2E / (n (n − 1))`.
    pub density: f64,
    /// Transitivity: 3 × triangles / connected triples.
    pub clustering: f64,
    /// Share of firms in the largest connected component.
    pub largest_component_share: f64,
    /// `2E / n`.
    pub mean_degree: f64,
    /// Gini coefficient of the firms' degrees.
    pub degree_gini: f64,
}

/// The structure of `n` firms tied by `ends` (index pairs) with adjacency
/// `adj`. Integer counts throughout, so the result does not depend on the
/// threads.
pub fn structure(adj: &Adjacency, ends: &[(u32, u32)], n: usize) -> Structure {
    if n == 0 {
        return Structure::default();
    }
    let edges = ends.len() as f64;
    let nf = n as f64;
    // Triangles, each counted once at its lowest-index firm i < j < k.
    let (triangles, triples): (u64, u64) = (0..n)
        .into_par_iter()
        .map(|i| {
            let row = adj.row(i);
            let d = row.len() as u64;
            let mut t = 0u64;
            for &(j, _) in row.iter().filter(|e| e.0 as usize > i) {
                t += common_above(row, adj.row(j as usize), j);
            }
            (t, d * d.saturating_sub(1) / 2)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let clustering = if triples > 0 {
        3.0 * triangles as f64 / triples as f64
    } else {
        0.0
    };
    Structure {
        density: if n > 1 {
            2.0 * edges / (nf * (nf - 1.0))
        } else {
            0.0
        },
        clustering,
        largest_component_share: largest_component(ends, n) as f64 / nf,
        mean_degree: 2.0 * edges / nf,
        degree_gini: degree_gini(adj, n),
    }
}

/// Entries above `floor` common to two sorted rows.
fn common_above(a: &[(u32, f32)], b: &[(u32, f32)], floor: u32) -> u64 {
    let a = &a[a.partition_point(|e| e.0 <= floor)..];
    let b = &b[b.partition_point(|e| e.0 <= floor)..];
    let (mut x, mut y, mut count) = (0, 0, 0);
    while x < a.len() && y < b.len() {
        match a[x].0.cmp(&b[y].0) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                count += 1;
                x += 1;
                y += 1;
            }
        }
    }
    count
}

/// Size of the largest connected component (union–find by size with path
/// halving; isolated firms are components of one).
fn largest_component(ends: &[(u32, u32)], n: usize) -> usize {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut size = vec![1u32; n];
    let find = |parent: &mut [u32], mut x: u32| {
        while parent[x as usize] != x {
            let p = parent[parent[x as usize] as usize];
            parent[x as usize] = p;
            x = p;
        }
        x
    };
    for &(i, j) in ends {
        let (mut a, mut b) = (find(&mut parent, i), find(&mut parent, j));
        if a != b {
            if size[a as usize] < size[b as usize] {
                std::mem::swap(&mut a, &mut b);
            }
            parent[b as usize] = a;
            size[a as usize] += size[b as usize];
        }
    }
    (0..n)
        .filter(|&x| parent[x] == x as u32)
        .map(|x| size[x] as usize)
        .max()
        .unwrap_or(0)
}

/// Gini coefficient of the degrees, from their histogram:
/// `G = 2 Σ_r r·x_(r) / (n Σ x) − (n + 1) / n` over ascending ranks `r`.
fn degree_gini(adj: &Adjacency, n: usize) -> f64 {
    let mut histogram: Vec<u64> = Vec::new();
    for i in 0..n {
        let d = adj.row(i).len();
        if d >= histogram.len() {
            histogram.resize(d + 1, 0);
        }
        histogram[d] += 1;
    }
    let (mut rank, mut weighted, mut total) = (0u128, 0u128, 0u128);
    for (d, &c) in histogram.iter().enumerate() {
        let (d, c) = (d as u128, u128::from(c));
        // Ranks rank+1 ..= rank+c, each with degree d.
        weighted += d * (c * rank + c * (c + 1) / 2);
        total += d * c;
        rank += c;
    }
    if total == 0 {
        return 0.0;
    }
    let nf = n as f64;
    2.0 * weighted as f64 / (nf * total as f64) - (nf + 1.0) / nf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::network::{Network, Tie};

    fn net(pairs: &[(u32, u32)], n: usize) -> Network {
        let mut net = Network::default();
        net.add(
            pairs
                .iter()
                .map(|&(i, j)| {
                    (
                        Tie {
                            a: i,
                            b: j,
                            strength: 1.0,
                            origin: Origin::Spatial,
                            formed: 1950,
                        },
                        (i, j),
                    )
                })
                .collect(),
            n,
        );
        net
    }

    #[test]
    fn structure_of_a_small_graph_by_hand() {
        // A triangle 0-1-2 with a tail 2-3, a pair 4-5 and firm 6 alone.
        let g = net(&[(0, 1), (0, 2), (1, 2), (2, 3), (4, 5)], 7);
        let s = structure(&g.adjacency, g.ends(), 7);
        // Triples: degrees 2, 2, 3, 1, 1, 1, 0 → 1 + 1 + 3 = 5.
        assert!((s.clustering - 3.0 / 5.0).abs() < 1e-12, "{s:?}");
        assert!((s.largest_component_share - 4.0 / 7.0).abs() < 1e-12);
        assert!((s.density - 10.0 / 42.0).abs() < 1e-12);
        assert!((s.mean_degree - 10.0 / 7.0).abs() < 1e-12);
        // Gini by the mean absolute difference over all ordered pairs.
        let d = [2.0f64, 2.0, 3.0, 1.0, 1.0, 1.0, 0.0];
        let mad: f64 = d
            .iter()
            .flat_map(|a| d.iter().map(move |b| (a - b).abs()))
            .sum();
        let gini = mad / (2.0 * 49.0 * (10.0 / 7.0));
        assert!(
            (s.degree_gini - gini).abs() < 1e-12,
            "{} {gini}",
            s.degree_gini
        );
    }

    #[test]
    fn structure_does_not_depend_on_the_threads() {
        let n = 3000u32;
        let pairs: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| [(a, (a + 1) % n), (a, (a * 7 + 3) % n), (a, (a + 2) % n)])
            .filter(|&(a, b)| a != b)
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let g = net(&pairs, n as usize);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| structure(&g.adjacency, g.ends(), n as usize));
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| structure(&g.adjacency, g.ends(), n as usize));
        assert_eq!(one, three);
        assert!(one.clustering > 0.0 && one.largest_component_share == 1.0);
    }
}
