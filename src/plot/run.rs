//! The figures of a run folder: the headline series with the regimes
//! shaded, employment by size class and by sector, the map of the regions
//! and the cooperation network of a year.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::chart::{
    Area, Band, Line, Panel, Span, bounds, category, colour_bar, draw_panel, drawing, legend,
    regime_legend, regime_spans, short, svg, viridis,
};
use super::table::Table;
use super::{Figure, PlotOptions, option_error};
use crate::error::Result;

/// Indicators of the headline figure, with their titles, in panel order.
const HEADLINE: [(&str, &str); 6] = [
    ("firms", "firms"),
    ("employment", "employment"),
    ("unemployment_rate", "unemployment rate"),
    ("ties_per_firm", "cooperation ties per firm"),
    ("innovations", "innovations per step"),
    ("exchanged_tonnes", "symbiosis exchanges (t/year)"),
];

/// Most ties drawn in the network figure (an even sample beyond).
const MAX_TIES_DRAWN: usize = 20_000;

/// Every figure of a run folder, and notes on those it cannot draw.
pub fn figures(dir: &Path, opts: &PlotOptions) -> Result<(Vec<Figure>, Vec<String>)> {
    let ts = Table::read_all(&dir.join("timeseries.csv"))?;
    let x = time_axis(&ts.numbers("year")?);
    let spans = regime_spans(&x, &ts.text("regime")?);
    let mut figures = vec![headline(&ts, &x, &spans)?, size_classes(&ts, &x)?];
    let mut notes = Vec::new();
    match sectors(dir)? {
        Some(f) => figures.push(f),
        None => notes.push(
            "employment by sector: no sectors.csv or firms.csv in this run (set output.firm_snapshot_years)"
                .to_string(),
        ),
    }
    let regions = dir.join("regions.csv");
    if regions.exists() {
        let table = Table::read_all(&regions)?;
        figures.push(map(&table, opts)?);
        if !dir.join("ties.csv").exists() {
            figures.push(region_ties(&table, dir, opts)?);
        }
    } else {
        notes.push("map: no regions.csv in this run (output.regions = false)".to_string());
        if opts.map_column.is_some() || opts.map_year.is_some() {
            return Err(option_error(
                "--map-column",
                "map_column",
                "this run has no regions.csv (output.regions = false), so there is no map",
            ));
        }
    }
    if dir.join("ties.csv").exists() && dir.join("nodes.csv").exists() {
        figures.push(tie_network(dir, opts)?);
    } else if dir.join("ties.csv").exists() {
        notes.push("network: ties.csv without nodes.csv, so no positions to draw".to_string());
    } else if !regions.exists() {
        notes.push("network: no ties.csv and no regions.csv in this run".to_string());
    }
    Ok((figures, notes))
}

/// The time of each row: its year, and rows of the same year spread over
/// it (several steps a year).
pub fn time_axis(years: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(years.len());
    let mut i = 0;
    while i < years.len() {
        let j = (i..years.len())
            .find(|&j| years[j] != years[i])
            .unwrap_or(years.len());
        let k = (j - i) as f64;
        out.extend((0..j - i).map(|m| years[i] + m as f64 / k));
        i = j;
    }
    out
}

/// The headline series, six panels with the regimes shaded.
fn headline(ts: &Table, x: &[f64], spans: &[Span]) -> Result<Figure> {
    let shown: Vec<(&str, &str)> = HEADLINE
        .iter()
        .copied()
        .filter(|(c, _)| ts.has(c))
        .collect();
    let mut series = Vec::new();
    for (column, title) in &shown {
        series.push((title.to_string(), ts.numbers(column)?));
    }
    let text = svg((1200, 760), |root| {
        let (top, rest) = root.split_vertically(40);
        legend(&top, &regime_legend(spans))?;
        let cells = rest.split_evenly((2, 3));
        for (cell, (title, values)) in cells.iter().zip(&series) {
            draw_panel(
                cell,
                &Panel {
                    title: title.clone(),
                    lines: vec![Line {
                        colour: category(0),
                        points: x.iter().copied().zip(values.iter().copied()).collect(),
                    }],
                    bands: Vec::new(),
                    regimes: spans,
                },
            )?;
        }
        Ok(())
    })?;
    Ok(Figure::new(
        "headline.svg",
        "Headline series and the four regimes",
        "Each panel is a column of timeseries.csv; the background shades the regime in force (column regime).",
        text,
    ))
}

/// Employment stacked by size class (employment × each class's share).
fn size_classes(ts: &Table, x: &[f64]) -> Result<Figure> {
    let employment = ts.numbers("employment")?;
    let classes = [
        ("micro_employment_share", "micro (< 10)"),
        ("sme_employment_share", "SME (10–249)"),
        ("large_firm_employment_share", "large (≥ 250)"),
    ];
    let mut layers = Vec::new();
    for (column, label) in classes {
        let share = ts.numbers(column)?;
        layers.push((
            label.to_string(),
            employment.iter().zip(&share).map(|(e, s)| e * s).collect(),
        ));
    }
    stacked_figure(
        "employment_size.svg",
        "Employment by size class",
        "Employment × the share of each EU size class (timeseries.csv), stacked.",
        "employment by size class",
        x,
        &layers,
    )
}

/// A figure of stacked layers over time, with a legend.
fn stacked_figure(
    file: &str,
    title: &str,
    caption: &str,
    panel_title: &str,
    x: &[f64],
    layers: &[(String, Vec<f64>)],
) -> Result<Figure> {
    let mut bands = Vec::new();
    let mut base = vec![0.0; x.len()];
    for (i, (_, values)) in layers.iter().enumerate() {
        let top: Vec<f64> = base.iter().zip(values).map(|(b, v)| b + v).collect();
        bands.push(Band {
            colour: category(i),
            opacity: 0.8,
            points: x
                .iter()
                .zip(base.iter().zip(&top))
                .map(|(&x, (&lo, &hi))| (x, lo, hi))
                .collect(),
        });
        base = top;
    }
    let items: Vec<(String, RGBColor, bool)> = layers
        .iter()
        .enumerate()
        .map(|(i, (label, _))| (label.clone(), category(i), true))
        .collect();
    let text = svg((900, 560), |root| {
        let (top, rest) = root.split_vertically(48);
        legend(&top, &items)?;
        draw_panel(
            &rest,
            &Panel {
                title: panel_title.to_string(),
                bands,
                ..Panel::default()
            },
        )
    })?;
    Ok(Figure::new(file, title, caption, text))
}

/// Employment by sector: from sectors.csv over time, else from the firm
/// snapshots of firms.csv as stacked bars; `None` if neither exists.
fn sectors(dir: &Path) -> Result<Option<Figure>> {
    let path = dir.join("sectors.csv");
    if path.exists() {
        let t = Table::read(&path, |c| matches!(c, "year" | "sector" | "employment"))?;
        let years = t.numbers("year")?;
        let employment = t.numbers("employment")?;
        let names = t.text("sector")?;
        let mut order: Vec<&str> = Vec::new();
        let mut by: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
        for ((&y, &e), &s) in years.iter().zip(&employment).zip(&names) {
            if !order.contains(&s) {
                order.push(s);
            }
            by.entry(s).or_default().push((y, e));
        }
        let first = by.get(order.first().copied().unwrap_or_default());
        let x: Vec<f64> = first
            .map(|v| time_axis(&v.iter().map(|p| p.0).collect::<Vec<_>>()))
            .unwrap_or_default();
        let layers: Vec<(String, Vec<f64>)> = order
            .iter()
            .map(|s| {
                let mut v: Vec<f64> = by[s].iter().map(|p| p.1).collect();
                v.resize(x.len(), 0.0);
                (s.to_string(), v)
            })
            .collect();
        return stacked_figure(
            "employment_sector.svg",
            "Employment by sector",
            "Employment of each sector (sectors.csv), stacked.",
            "employment by sector",
            &x,
            &layers,
        )
        .map(Some);
    }
    let path = dir.join("firms.csv");
    if !path.exists() {
        return Ok(None);
    }
    let t = Table::read(&path, |c| matches!(c, "year" | "sector" | "employees"))?;
    let years = t.numbers("year")?;
    let employees = t.numbers("employees")?;
    let names = t.text("sector")?;
    let mut order: Vec<&str> = Vec::new();
    let mut sums: BTreeMap<(i64, &str), f64> = BTreeMap::new();
    for ((&y, &e), &s) in years.iter().zip(&employees).zip(&names) {
        if !order.contains(&s) {
            order.push(s);
        }
        *sums.entry((y as i64, s)).or_default() += e;
    }
    let snapshot_years: Vec<i64> = {
        let mut v: Vec<i64> = sums.keys().map(|k| k.0).collect();
        v.dedup();
        v
    };
    let items: Vec<(String, RGBColor, bool)> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.to_string(), category(i), true))
        .collect();
    let totals: Vec<f64> = snapshot_years
        .iter()
        .map(|y| {
            order
                .iter()
                .map(|s| sums.get(&(*y, *s)).unwrap_or(&0.0))
                .sum()
        })
        .collect();
    let (_, top) = bounds(totals.iter().copied());
    let text = svg((900, 560), |root| {
        let (head, rest) = root.split_vertically(48);
        legend(&head, &items)?;
        let n = snapshot_years.len() as f64;
        let mut chart = ChartBuilder::on(&rest)
            .caption("employment by sector, firm snapshots", ("sans-serif", 15))
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(52)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top.max(1.0) * 1.05)
            .map_err(drawing)?;
        let labels = snapshot_years.clone();
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(225, 225, 225))
            .x_labels(snapshot_years.len().max(1))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    labels
                        .get(i as usize)
                        .map(|y| y.to_string())
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| short(*y))
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(drawing)?;
        for (i, y) in snapshot_years.iter().enumerate() {
            let mut base = 0.0;
            for (k, s) in order.iter().enumerate() {
                let v = *sums.get(&(*y, *s)).unwrap_or(&0.0);
                let x = i as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.35, base), (x + 0.35, base + v)],
                        category(k).mix(0.85).filled(),
                    )))
                    .map_err(drawing)?;
                base += v;
            }
        }
        Ok(())
    })?;
    Ok(Some(Figure::new(
        "employment_sector.svg",
        "Employment by sector",
        "Employees of the firms of each sector in the snapshot years of firms.csv, stacked.",
        text,
    )))
}

/// The rows of regions.csv at the end of `year` (its last step).
fn rows_of_year(years: &[f64], steps: &[f64], year: i64) -> Vec<usize> {
    let last = years
        .iter()
        .zip(steps)
        .filter(|(y, _)| **y as i64 == year)
        .map(|(_, s)| *s)
        .fold(f64::NEG_INFINITY, f64::max);
    (0..years.len())
        .filter(|&i| years[i] as i64 == year && steps[i] == last)
        .collect()
}

/// The year of an option (`--map-year`, `--network-year`) if given, else
/// `default` if the file has it, else the file's last year; checked
/// against the years of the file's `years` column.
fn chosen_year(
    (option, given): (&str, Option<i64>),
    default: Option<i64>,
    years: &[f64],
    file: &str,
) -> Result<i64> {
    let available = distinct_years(years);
    let last = *available.last().unwrap_or(&0);
    let year = given.unwrap_or(default.filter(|y| available.contains(y)).unwrap_or(last));
    if available.contains(&year) {
        return Ok(year);
    }
    let list = if available.len() > 12 {
        format!("{} to {last}", available.first().unwrap_or(&0))
    } else {
        available
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let key = option.trim_start_matches("--").replace('-', "_");
    Err(option_error(
        option,
        &key,
        &format!("{year} is not a year of {file}; allowed: {list}"),
    ))
}

/// Distinct years of a column, sorted.
fn distinct_years(years: &[f64]) -> Vec<i64> {
    let mut v: Vec<i64> = years.iter().map(|y| *y as i64).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A point of a map.
struct Point {
    x: f64,
    y: f64,
    radius: f64,
    value: f64,
    label: String,
}

/// The map of the regions, coloured by a column of regions.csv.
fn map(t: &Table, opts: &PlotOptions) -> Result<Figure> {
    let column = opts.map_column.as_deref().unwrap_or("unemployment_rate");
    let numeric: Vec<&str> = t
        .header
        .iter()
        .map(String::as_str)
        .filter(|c| !matches!(*c, "step" | "year" | "region" | "x_km" | "y_km") && t.is_numeric(c))
        .collect();
    if !numeric.contains(&column) {
        return Err(option_error(
            "--map-column",
            "map_column",
            &format!(
                "`{column}` is not a numeric column of regions.csv; allowed: {}",
                numeric.join(", ")
            ),
        ));
    }
    let years = t.numbers("year")?;
    let year = chosen_year(("--map-year", opts.map_year), None, &years, "regions.csv")?;
    let rows = rows_of_year(&years, &t.numbers("step")?, year);
    let (employment, values) = (t.numbers("employment")?, t.numbers(column)?);
    let points = region_points(t, &rows, &employment, |i| values[i])?;
    let title = format!("{column} in {year}, by region (size: employment)");
    let text = map_svg(&title, column, &points)?;
    Ok(Figure::new(
        "map.svg",
        &format!("Regions: {column} in {year}"),
        &format!(
            "Each disc is a region at its centre (x_km, y_km of regions.csv), its area proportional to employment, coloured by {column} at the end of {year}."
        ),
        text,
    ))
}

/// The regions' ties of a year (no tie list in the run): each region at its
/// centre, sized by its ties and coloured by the share that are local.
fn region_ties(t: &Table, dir: &Path, opts: &PlotOptions) -> Result<Figure> {
    let years = t.numbers("year")?;
    let snapshot = snapshot_years(dir)?.last().copied();
    let given = ("--network-year", opts.network_year);
    let year = chosen_year(given, snapshot, &years, "regions.csv")?;
    let rows = rows_of_year(&years, &t.numbers("step")?, year);
    let (ties, local) = (t.numbers("ties")?, t.numbers("local_ties")?);
    let local_share = |i: usize| {
        if ties[i] > 0.0 {
            local[i] / ties[i]
        } else {
            0.0
        }
    };
    let points = region_points(t, &rows, &ties, local_share)?;
    let title = format!("cooperation ties by region in {year} (size: ties)");
    let text = map_svg(&title, "local share", &points)?;
    Ok(Figure::new(
        "network.svg",
        &format!("Cooperation ties by region, {year}"),
        &format!(
            "This run has no list of ties (ties.csv), so the network is drawn by region: each disc's area is proportional to the ties with a partner in the region (regions.csv ties), its colour the share of them with both partners in the region (local_ties / ties), at the end of {year}."
        ),
        text,
    ))
}

/// The regions of `rows` at their centres (x_km, y_km), each disc's area
/// proportional to `size`, valued (coloured) by `value`.
fn region_points(
    t: &Table,
    rows: &[usize],
    size: &[f64],
    value: impl Fn(usize) -> f64,
) -> Result<Vec<Point>> {
    let (xs, ys) = (t.numbers("x_km")?, t.numbers("y_km")?);
    let names = t.text("region")?;
    let (_, most) = bounds(rows.iter().map(|&i| size[i]));
    Ok(rows
        .iter()
        .map(|&i| Point {
            x: xs[i],
            y: ys[i],
            radius: 3.0 + 15.0 * (size[i] / most.max(1.0)).sqrt(),
            value: value(i),
            label: names[i].to_string(),
        })
        .collect())
}

/// Snapshot years of firms.csv, if written.
fn snapshot_years(dir: &Path) -> Result<Vec<i64>> {
    let path = dir.join("firms.csv");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let t = Table::read(&path, |c| c == "year")?;
    Ok(distinct_years(&t.numbers("year")?))
}

/// The firms' cooperation network of a year from ties.csv and nodes.csv,
/// laid out at the firms' positions.
fn tie_network(dir: &Path, opts: &PlotOptions) -> Result<Figure> {
    let nodes = Table::read(&dir.join("nodes.csv"), |c| {
        matches!(c, "year" | "firm_id" | "x_km" | "y_km" | "sector")
    })?;
    let ties = Table::read(&dir.join("ties.csv"), |c| {
        matches!(c, "year" | "from_firm" | "to_firm")
    })?;
    let tie_years = ties.numbers("year")?;
    let year = chosen_year(
        ("--network-year", opts.network_year),
        None,
        &tie_years,
        "ties.csv",
    )?;
    let node_years = nodes.numbers("year")?;
    let ids = nodes.numbers("firm_id")?;
    let (xs, ys) = (nodes.numbers("x_km")?, nodes.numbers("y_km")?);
    let sector = if nodes.has("sector") {
        nodes.text("sector")?
    } else {
        vec![""; nodes.len()]
    };
    let mut sectors: Vec<&str> = Vec::new();
    let mut at: std::collections::HashMap<i64, (f64, f64)> = Default::default();
    let mut dots = Vec::new();
    for i in 0..nodes.len() {
        if node_years[i] as i64 != year {
            continue;
        }
        at.insert(ids[i] as i64, (xs[i], ys[i]));
        let k = match sectors.iter().position(|s| *s == sector[i]) {
            Some(k) => k,
            None => {
                sectors.push(sector[i]);
                sectors.len() - 1
            }
        };
        dots.push((xs[i], ys[i], k));
    }
    let (from, to) = (ties.numbers("from_firm")?, ties.numbers("to_firm")?);
    let of_year: Vec<usize> = (0..ties.len())
        .filter(|&i| tie_years[i] as i64 == year)
        .collect();
    let every = of_year.len().div_ceil(MAX_TIES_DRAWN).max(1);
    let edges: Vec<((f64, f64), (f64, f64))> = of_year
        .iter()
        .step_by(every)
        .filter_map(|&i| Some((*at.get(&(from[i] as i64))?, *at.get(&(to[i] as i64))?)))
        .collect();
    let items: Vec<(String, RGBColor, bool)> = sectors
        .iter()
        .enumerate()
        .map(|(k, s)| (s.to_string(), category(k), true))
        .collect();
    let (x0, x1) = bounds(dots.iter().map(|d| d.0));
    let (y0, y1) = bounds(dots.iter().map(|d| d.1));
    let title = format!("cooperation network in {year}");
    let text = svg((760, 760), |root| {
        let (head, rest) = root.split_vertically(48);
        legend(&head, &items)?;
        let mut chart = square_chart(&rest, &title, (x0, x1), (y0, y1))?;
        chart
            .draw_series(edges.iter().map(|(a, b)| {
                PathElement::new(vec![*a, *b], RGBColor(60, 60, 60).mix(0.12).stroke_width(1))
            }))
            .map_err(drawing)?;
        chart
            .draw_series(
                dots.iter()
                    .map(|&(x, y, k)| Circle::new((x, y), 2, category(k).filled())),
            )
            .map_err(drawing)?;
        Ok(())
    })?;
    let drawn = if every > 1 {
        format!(
            " ({} of its {} ties drawn, every {every}th)",
            edges.len(),
            of_year.len()
        )
    } else {
        String::new()
    };
    Ok(Figure::new(
        "network.svg",
        &format!("Cooperation network, {year}"),
        &format!(
            "The ties of {year} (ties.csv) between firms at their positions (nodes.csv x_km, y_km), firms coloured by sector{drawn}."
        ),
        text,
    ))
}

/// A chart in km with the same scale on both axes, with room for the
/// axes' labels.
fn square_chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    let (w, h) = area.dim_in_pixel();
    let (label_x, label_y, margin, caption) = (24u32, 52u32, 10u32, 28u32);
    let pw = w.saturating_sub(label_y + 2 * margin).max(1) as f64;
    let ph = h.saturating_sub(label_x + caption + 2 * margin).max(1) as f64;
    let span = ((x1 - x0) / pw).max((y1 - y0) / ph).max(1e-9) * 1.1;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (hx, hy) = (span * pw / 2.0, span * ph / 2.0);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 15))
        .margin(margin)
        .x_label_area_size(label_x)
        .y_label_area_size(label_y)
        .build_cartesian_2d(cx - hx..cx + hx, cy - hy..cy + hy)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(235, 235, 235))
        .x_desc("km")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 10))
        .draw()
        .map_err(drawing)?;
    Ok(chart)
}

/// A map of points coloured by value, with a colour bar.
fn map_svg(title: &str, colour_title: &str, points: &[Point]) -> Result<String> {
    let (lo, hi) = bounds(points.iter().map(|p| p.value));
    let (x0, x1) = bounds(points.iter().map(|p| p.x));
    let (y0, y1) = bounds(points.iter().map(|p| p.y));
    let labelled = points.len() <= 40;
    svg((800, 700), |root| {
        let (left, right) = root.split_horizontally(700);
        let mut chart = square_chart(&left, title, (x0, x1), (y0, y1))?;
        let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        chart
            .draw_series(points.iter().map(|p| {
                Circle::new(
                    (p.x, p.y),
                    p.radius.round() as i32,
                    viridis(t(p.value)).mix(0.9).filled(),
                )
            }))
            .map_err(drawing)?;
        chart
            .draw_series(points.iter().map(|p| {
                Circle::new(
                    (p.x, p.y),
                    p.radius.round() as i32,
                    RGBColor(40, 40, 40).stroke_width(1),
                )
            }))
            .map_err(drawing)?;
        if labelled {
            chart
                .draw_series(points.iter().map(|p| {
                    let r = p.radius.round() as i32;
                    EmptyElement::at((p.x, p.y))
                        + Text::new(
                            p.label.clone(),
                            (r + 2, -4),
                            ("sans-serif", 9).into_font().color(&RGBColor(30, 30, 30)),
                        )
                }))
                .map_err(drawing)?;
        }
        colour_bar(&right, colour_title, lo, hi)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_a_year_spread_over_it() {
        let x = time_axis(&[1950.0, 1950.0, 1951.0, 1951.0, 1952.0]);
        assert_eq!(x, vec![1950.0, 1950.5, 1951.0, 1951.5, 1952.0]);
    }

    #[test]
    fn last_step_of_a_year() {
        let years = [1950.0, 1950.0, 1950.0, 1950.0, 1951.0];
        let steps = [0.0, 0.0, 1.0, 1.0, 2.0];
        assert_eq!(rows_of_year(&years, &steps, 1950), vec![2, 3]);
    }
}
