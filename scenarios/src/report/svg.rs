//! The report's plots as SVG text, drawn by hand from the record (a line chart with a
//! logarithmic or linear x axis, shaded time ranges, and horizontal bars): the three
//! plots a report needs did not justify a plotting library and its font handling.

use std::fmt::Write;

/// Width and height of every plot, in pixels.
pub const SIZE: (f64, f64) = (720.0, 320.0);
const MARGIN: (f64, f64, f64, f64) = (70.0, 20.0, 30.0, 45.0); // left, right, top, bottom
/// Series colours, in order.
pub const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// One line of a chart.
pub struct Line {
    /// Its legend.
    pub name: String,
    /// Its points, in data units.
    pub points: Vec<(f64, f64)>,
}

/// A shaded range of x (a fault), with a label.
pub struct Band {
    /// From.
    pub from: f64,
    /// To.
    pub to: f64,
    /// What it was.
    pub label: String,
}

/// A line chart.
pub struct Chart<'a> {
    /// Its title.
    pub title: &'a str,
    /// The x axis' label.
    pub x_label: &'a str,
    /// The y axis' label.
    pub y_label: &'a str,
    /// Tick labels for x: (data value, text); none: five even ticks.
    pub x_ticks: Vec<(f64, String)>,
    /// The lines.
    pub lines: Vec<Line>,
    /// Shaded ranges.
    pub bands: Vec<Band>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn open(out: &mut String, title: &str, class: &str) {
    let (w, h) = SIZE;
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11"><rect width="{w}" height="{h}" fill="white"/><text x="{}" y="16" font-size="13" text-anchor="middle">{}</text>"#,
        w / 2.0,
        escape(title)
    );
}

/// A round step for an axis spanning `span`.
fn step(span: f64) -> f64 {
    let raw = (span / 5.0).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

impl Chart<'_> {
    /// The chart as an SVG document.
    pub fn svg(&self) -> String {
        let (w, h) = SIZE;
        let (l, r, t, b) = MARGIN;
        let all = self.lines.iter().flat_map(|s| s.points.iter());
        let x_max = all
            .clone()
            .map(|p| p.0)
            .chain(self.bands.iter().map(|b| b.to))
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let x_min = all.clone().map(|p| p.0).fold(x_max, f64::min).min(0.0);
        let y_max = all.map(|p| p.1).fold(0.0f64, f64::max).max(1e-9) * 1.05;
        let px = |x: f64| l + (x - x_min) / (x_max - x_min).max(1e-9) * (w - l - r);
        let py = |y: f64| h - b - y / y_max * (h - t - b);
        let mut out = String::new();
        open(&mut out, self.title, "chart");
        for band in &self.bands {
            let (a, z) = (px(band.from), px(band.to.min(x_max)));
            let _ = write!(
                out,
                r##"<rect class="fault" x="{a:.1}" y="{t}" width="{:.1}" height="{:.1}" fill="#f4b400" fill-opacity="0.25"><title>{}</title></rect>"##,
                (z - a).max(1.0),
                h - t - b,
                escape(&band.label)
            );
        }
        let ys = step(y_max);
        let mut y = 0.0;
        while y <= y_max {
            let _ = write!(
                out,
                r##"<line x1="{l}" x2="{x2}" y1="{gy:.1}" y2="{gy:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
                x2 = w - r,
                gy = py(y),
                tx = l - 5.0,
                ty = py(y) + 4.0,
                label = trim(y)
            );
            y += ys;
        }
        let ticks: Vec<(f64, String)> = if self.x_ticks.is_empty() {
            let xs = step(x_max - x_min);
            let mut v = Vec::new();
            let mut x = (x_min / xs).ceil() * xs;
            while x <= x_max {
                v.push((x, trim(x)));
                x += xs;
            }
            v
        } else {
            self.x_ticks.clone()
        };
        for (x, label) in ticks {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                px(x),
                h - b + 15.0,
                escape(&label)
            );
        }
        let _ = write!(
            out,
            r##"<line x1="{l}" x2="{l}" y1="{t}" y2="{base}" stroke="#333"/><line x1="{l}" x2="{right}" y1="{base}" y2="{base}" stroke="#333"/><text x="{mid}" y="{xl}" text-anchor="middle">{xlabel}</text><text transform="translate(14 {ym}) rotate(-90)" text-anchor="middle">{ylabel}</text>"##,
            base = h - b,
            right = w - r,
            mid = (l + w - r) / 2.0,
            xl = h - 8.0,
            xlabel = escape(self.x_label),
            ym = (t + h - b) / 2.0,
            ylabel = escape(self.y_label)
        );
        for (i, line) in self.lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let pts: Vec<String> = (line.points.iter())
                .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
                .collect();
            let _ = write!(
                out,
                r#"<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{}</title></polyline><rect x="{}" y="{}" width="10" height="10" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
                pts.join(" "),
                escape(&line.name),
                l + 10.0,
                t + 6.0 + 14.0 * i as f64,
                l + 24.0,
                t + 15.0 + 14.0 * i as f64,
                escape(&line.name)
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// A number without needless decimals.
pub fn trim(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round())
    } else {
        format!("{x:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Horizontal bars: (label, value), with a title and the values' unit.
pub fn bars(title: &str, unit: &str, rows: &[(String, f64)]) -> String {
    let (w, _) = SIZE;
    let h = 40.0 + 22.0 * rows.len().max(1) as f64;
    let max = rows.iter().map(|r| r.1).fold(0.0f64, f64::max).max(1e-9);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11"><rect width="{w}" height="{h}" fill="white"/><text x="{}" y="16" font-size="13" text-anchor="middle">{}</text>"#,
        w / 2.0,
        escape(title)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 30.0 + 22.0 * i as f64;
        let len = v / max * (w - 260.0);
        let _ = write!(
            out,
            r#"<text x="115" y="{:.1}" text-anchor="end">{}</text><rect class="bar" x="120" y="{y:.1}" width="{len:.1}" height="16" fill="{}"/><text x="{:.1}" y="{:.1}">{} {}</text>"#,
            y + 12.0,
            escape(label),
            COLOURS[0],
            125.0 + len,
            y + 12.0,
            trim(*v),
            escape(unit)
        );
    }
    out.push_str("</svg>");
    out
}
