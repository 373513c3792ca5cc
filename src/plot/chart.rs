//! Drawing helpers shared by the figures: SVG documents, colours, panels of
//! lines with bands and shaded regimes, legends, colour bars and number
//! labels. Figures are drawn with `plotters` into SVG text.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// A drawing area of an SVG figure.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Draw an SVG figure of `size` pixels with `draw` and return its text.
pub fn svg(size: (u32, u32), draw: impl FnOnce(&Area) -> Result<()>) -> Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        draw(&root)?;
        root.present().map_err(drawing)?;
    }
    Ok(text)
}

/// A drawing error (plotters') as the library's error.
pub fn drawing(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("drawing a figure: {e}"))
}

/// Twelve distinguishable colours (Tableau 10, navy and gold), cycled.
pub fn category(i: usize) -> RGBColor {
    const C: [(u8, u8, u8); 12] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
        (31, 31, 100),
        (230, 171, 2),
    ];
    let (r, g, b) = C[i % C.len()];
    RGBColor(r, g, b)
}

/// The shade of each regime, in chronological order.
pub fn regime_colour(name: &str) -> RGBColor {
    match name {
        "large_firm" => RGBColor(158, 202, 225),
        "decentralisation" => RGBColor(253, 208, 162),
        "clusters" => RGBColor(199, 233, 192),
        "transition" => RGBColor(218, 218, 235),
        _ => RGBColor(230, 230, 230),
    }
}

/// The viridis colour map at `t` in 0–1.
pub fn viridis(t: f64) -> RGBColor {
    use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
    ViridisRGB.get_color(t.clamp(0.0, 1.0))
}

/// A period of one regime on the time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub regime: String,
    pub from: f64,
    pub to: f64,
}

/// The regimes' periods from a time axis and the regime of each row: a
/// period lasts from its first row to the first row of the next (the last
/// to the last row).
pub fn regime_spans(x: &[f64], regimes: &[&str]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for (&x, &r) in x.iter().zip(regimes) {
        match spans.last_mut() {
            Some(s) if s.regime == r => s.to = x,
            Some(s) => {
                s.to = x;
                spans.push(Span {
                    regime: r.to_string(),
                    from: x,
                    to: x,
                });
            }
            None => spans.push(Span {
                regime: r.to_string(),
                from: x,
                to: x,
            }),
        }
    }
    spans
}

/// A legend of the regimes that occur.
pub fn regime_legend(spans: &[Span]) -> Vec<(String, RGBColor, bool)> {
    let mut seen: Vec<&str> = Vec::new();
    for s in spans {
        if !seen.contains(&s.regime.as_str()) {
            seen.push(&s.regime);
        }
    }
    seen.iter()
        .map(|r| (format!("{r} regime"), regime_colour(r), true))
        .collect()
}

/// A line of a panel.
pub struct Line {
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// A filled band between two curves on the same x.
pub struct Band {
    pub colour: RGBColor,
    pub opacity: f64,
    /// (x, lower, upper)
    pub points: Vec<(f64, f64, f64)>,
}

/// A panel: a title, filled bands, lines and shaded regimes.
#[derive(Default)]
pub struct Panel<'a> {
    pub title: String,
    pub lines: Vec<Line>,
    pub bands: Vec<Band>,
    pub regimes: &'a [Span],
}

/// Draw a panel of lines over time.
pub fn draw_panel(area: &Area, panel: &Panel) -> Result<()> {
    let xs = panel
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .chain(
            panel
                .bands
                .iter()
                .flat_map(|b| b.points.iter().map(|p| p.0)),
        );
    let ys = panel
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain(
            panel
                .bands
                .iter()
                .flat_map(|b| b.points.iter().flat_map(|p| [p.1, p.2])),
        );
    let (x0, x1) = bounds(xs);
    let (y0, y1) = padded(bounds(ys));
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, ("sans-serif", 15))
        .margin(6)
        .x_label_area_size(22)
        .y_label_area_size(52)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| short(*y))
        .label_style(("sans-serif", 11))
        .draw()
        .map_err(drawing)?;
    chart
        .draw_series(panel.regimes.iter().map(|s| {
            Rectangle::new(
                [(s.from.max(x0), y0), (s.to.min(x1), y1)],
                regime_colour(&s.regime).mix(0.55).filled(),
            )
        }))
        .map_err(drawing)?;
    for band in &panel.bands {
        let mut outline: Vec<(f64, f64)> = band.points.iter().map(|p| (p.0, p.1)).collect();
        outline.extend(band.points.iter().rev().map(|p| (p.0, p.2)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                outline,
                band.colour.mix(band.opacity).filled(),
            )))
            .map_err(drawing)?;
    }
    for line in &panel.lines {
        chart
            .draw_series(LineSeries::new(
                line.points.iter().copied(),
                line.colour.stroke_width(2),
            ))
            .map_err(drawing)?;
    }
    Ok(())
}

/// Smallest and largest of finite values (0..1 if there are none).
pub fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi { (0.0, 1.0) } else { (lo, hi) }
}

/// A value range with some room above (and from 0 for positive data).
fn padded((lo, hi): (f64, f64)) -> (f64, f64) {
    let lo = if lo >= 0.0 { 0.0 } else { lo };
    if hi <= lo {
        return (lo - 1.0, lo + 1.0);
    }
    let room = (hi - lo) * 0.05;
    (if lo < 0.0 { lo - room } else { lo }, hi + room)
}

/// A number in a few characters: 12.3k, 4.5M, 0.25.
pub fn short(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if x == 0.0 {
        "0".to_string()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else if x.abs() >= 0.01 {
        format!("{x:.2}")
    } else {
        format!("{x:.1e}")
    };
    let text = if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{unit}")
}

/// A row of legend entries (a filled square or a line, then the text).
pub fn legend(area: &Area, items: &[(String, RGBColor, bool)]) -> Result<()> {
    let (width, _) = area.dim_in_pixel();
    let (mut x, mut y) = (10i32, 6i32);
    for (text, colour, filled) in items {
        let w = 22 + (text.chars().count() as i32) * 7 + 16;
        if x + w > width as i32 && x > 10 {
            x = 10;
            y += 18;
        }
        if *filled {
            area.draw(&Rectangle::new(
                [(x, y + 2), (x + 16, y + 14)],
                colour.mix(0.8).filled(),
            ))
            .map_err(drawing)?;
        } else {
            area.draw(&PathElement::new(
                vec![(x, y + 8), (x + 16, y + 8)],
                colour.stroke_width(3),
            ))
            .map_err(drawing)?;
        }
        area.draw(&Text::new(
            text.clone(),
            (x + 22, y + 3),
            ("sans-serif", 12).into_font(),
        ))
        .map_err(drawing)?;
        x += w;
    }
    Ok(())
}

/// A vertical colour bar of viridis from `lo` (bottom) to `hi` (top), with
/// a title.
pub fn colour_bar(area: &Area, title: &str, lo: f64, hi: f64) -> Result<()> {
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (40i32, height as i32 - 40);
    let steps = 64;
    for i in 0..steps {
        let t = i as f64 / (steps - 1) as f64;
        let y1 = bottom - ((bottom - top) as f64 * i as f64 / steps as f64) as i32;
        let y0 = bottom - ((bottom - top) as f64 * (i + 1) as f64 / steps as f64) as i32;
        area.draw(&Rectangle::new([(10, y0), (28, y1)], viridis(t).filled()))
            .map_err(drawing)?;
    }
    let font = ("sans-serif", 11).into_font();
    area.draw(&Text::new(short(hi), (32, top - 4), font.clone()))
        .map_err(drawing)?;
    area.draw(&Text::new(short(lo), (32, bottom - 8), font.clone()))
        .map_err(drawing)?;
    area.draw(&Text::new(title.to_string(), (4, 12), font))
        .map_err(drawing)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_follow_the_regime_column() {
        let x = [1950.0, 1951.0, 1952.0, 1953.0];
        let s = regime_spans(&x, &["a", "a", "b", "b"]);
        assert_eq!(
            s,
            vec![
                Span {
                    regime: "a".into(),
                    from: 1950.0,
                    to: 1952.0
                },
                Span {
                    regime: "b".into(),
                    from: 1952.0,
                    to: 1953.0
                }
            ]
        );
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(12_345.0), "12.3k");
        assert_eq!(short(2_000_000.0), "2M");
        assert_eq!(short(150.0), "150");
    }
}
