//! Inline SVG charts: a trend over periods with the target and the at-risk
//! band, attainment bars per entity, a bullet of actual against target, and a
//! sparkline. Every chart is an `svg.chart` with `data-chart` (what the browser
//! test looks for), a title for screen readers, and markers whose shape (not
//! only colour) shows the status.

use super::markup::Markup;
use super::status_class;
use super::svg::{px, ticks, Scale};
use crate::eval::trends::Point;
use crate::eval::{at_risk_bands, Status, TargetValue, Warn};
use crate::report::{format_number, format_tick, format_value, status_label, target_text};
use crate::vocab::Unit;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// One chart across the section.
    Large,
    /// One of a grid of charts, one per entity.
    Small,
}

/// The actuals of `points` over their periods, with each period's target and
/// at-risk band behind them.
pub fn trend(title: &str, points: &[Point], unit: &Unit, warn: Option<Warn>, size: Size) -> Markup {
    let (w, h, left, ticks_wanted, labels_wanted) = match size {
        Size::Large => (680.0, 220.0, 64.0, 5, 12),
        Size::Small => (300.0, 150.0, 48.0, 3, 4),
    };
    let plot = Plot { left, right: w - 10.0, top: 10.0, bottom: h - 24.0 };
    let mut values: Vec<f64> = points.iter().filter_map(|p| p.actual).collect();
    for t in points.iter().filter_map(|p| p.target) {
        values.extend(bounds(t));
        values.extend(at_risk_bands(warn, t).into_iter().flat_map(|(a, b)| [a, b]));
    }
    let ticks = axis_ticks(&values, ticks_wanted, unit);
    let y = Scale { lo: ticks[0], hi: ticks[ticks.len() - 1], from: plot.bottom, to: plot.top };
    let step = (plot.right - plot.left) / points.len().max(1) as f64;
    let x = |i: usize| left + (i as f64 + 0.5) * step;

    let mut m = open_chart("trend", title, w, h);
    value_axis(&mut m, &plot, &ticks, &y, unit);
    for which in 0..2 {
        let d = band_path(points, which, warn, &x, &y, step);
        if !d.is_empty() {
            m.empty("path", &[("class", "band"), ("d", &d)]);
        }
    }
    for bound in 0..2 {
        let d = target_path(points, bound, &x, &y, step);
        if !d.is_empty() {
            m.empty("path", &[("class", "target"), ("d", &d)]);
        }
    }
    m.empty("path", &[("class", "actual"), ("d", &actual_path(points, &x, &y))]);
    m.open("g", &[("class", "markers")]);
    for (i, p) in points.iter().enumerate() {
        if let Some(a) = p.actual {
            marker(&mut m, p, x(i), y.at(a), unit);
        }
    }
    m.close("g");
    period_axis(&mut m, &plot, points, &x, labels_wanted, h - 6.0);
    m.close("svg");
    m
}

/// The drawing area of a chart, in pixels.
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

/// Grid lines at the ticks, labelled on the left.
fn value_axis(m: &mut Markup, plot: &Plot, ticks: &[f64], y: &Scale, unit: &Unit) {
    m.open("g", &[("class", "grid")]);
    for t in ticks {
        let (ty, label_y) = (px(y.at(*t)), px(y.at(*t) + 4.0));
        m.empty("line", &[("x1", &px(plot.left)), ("x2", &px(plot.right)), ("y1", &ty), ("y2", &ty)]);
        m.leaf("text", &[("x", &px(plot.left - 6.0)), ("y", &label_y), ("text-anchor", "end")], &tick(unit, *t, ticks));
    }
    m.close("g");
}

/// The baseline and the period labels under it: every k-th period, always the
/// latest, at most `wanted` of them.
fn period_axis(m: &mut Markup, plot: &Plot, points: &[Point], x: &impl Fn(usize) -> f64, wanted: usize, at: f64) {
    let base = px(plot.bottom);
    m.empty(
        "line",
        &[("class", "axis"), ("x1", &px(plot.left)), ("x2", &px(plot.right)), ("y1", &base), ("y2", &base)],
    );
    let every = points.len().div_ceil(wanted).max(1);
    for (i, p) in points.iter().enumerate().filter(|(i, _)| (points.len() - 1 - i) % every == 0) {
        m.leaf("text", &[("x", &px(x(i))), ("y", &px(at)), ("text-anchor", "middle")], &p.period.to_string());
    }
}

/// One bar of an attainment chart.
pub struct Bar {
    pub label: String,
    pub attainment: Option<f64>,
    pub status: Status,
    /// "226,127 RUB of ≥ 200,000 RUB"
    pub detail: String,
}

/// Attainment per entity, one bar each in the order given, with the 100 % line.
pub fn attainment(title: &str, bars: &[Bar]) -> Markup {
    let (w, row, top) = (760.0, 24.0, 22.0);
    let (bar_from, bar_to, text_at) = (150.0, 430.0, 440.0);
    let h = top + row * bars.len() as f64 + 6.0;
    let most = bars.iter().filter_map(|b| b.attainment).fold(1.2, f64::max).min(2.0);
    let ticks = ticks(0.0, most, 4);
    let x = Scale { lo: 0.0, hi: ticks[ticks.len() - 1], from: bar_from, to: bar_to };
    let mut m = open_chart("attainment", title, w, h);
    m.open("g", &[("class", "grid")]);
    for t in &ticks {
        let tx = px(x.at(*t));
        m.empty("line", &[("x1", &tx), ("x2", &tx), ("y1", &px(top - 4.0)), ("y2", &px(h - 4.0))]);
        m.leaf(
            "text",
            &[("x", &tx), ("y", "12"), ("text-anchor", "middle")],
            &format!("{}%", format_number(t * 100.0, 0)),
        );
    }
    m.close("g");
    for (i, b) in bars.iter().enumerate() {
        let y0 = top + row * i as f64;
        m.open("g", &[("class", "bar")]);
        let pct = b.attainment.map_or("—".into(), |a| format!("{}%", format_number(a * 100.0, 1)));
        m.leaf("title", &[], &format!("{}: {pct}, {}; {}", b.label, b.status.label(), b.detail));
        let (lx, ly) = (px(bar_from - 8.0), px(y0 + 15.0));
        m.leaf("text", &[("class", "label"), ("x", &lx), ("y", &ly), ("text-anchor", "end")], &shorten(&b.label, 20));
        if let Some(a) = b.attainment {
            let attrs = [
                ("class", status_class(b.status).to_string()),
                ("x", px(bar_from)),
                ("y", px(y0 + 4.0)),
                ("width", px(x.clamped(a) - bar_from)),
                ("height", "15".into()),
            ];
            m.empty("rect", &borrow(&attrs));
        }
        let text = format!("{} {pct} · {}", status_label(b.status), b.detail);
        let attrs = [("class", status_class(b.status).to_string()), ("x", px(text_at)), ("y", px(y0 + 15.0))];
        m.leaf("text", &borrow(&attrs), &text);
        m.close("g");
    }
    let hx = px(x.at(1.0));
    m.empty("line", &[("class", "hundred"), ("x1", &hx), ("x2", &hx), ("y1", &px(top - 4.0)), ("y2", &px(h - 4.0))]);
    m.close("svg");
    m
}

/// The latest actual as a bar against its target (a tick) and at-risk band.
pub fn bullet(
    title: &str,
    actual: Option<f64>,
    target: Option<TargetValue>,
    warn: Option<Warn>,
    status: Status,
    unit: &Unit,
) -> Markup {
    let (w, h, left, right) = (680.0, 58.0, 8.0, 16.0);
    let bands = target.map(|t| at_risk_bands(warn, t)).unwrap_or_default();
    let mut values: Vec<f64> = vec![0.0];
    values.extend(actual);
    values.extend(target.map(bounds).unwrap_or_default());
    values.extend(bands.iter().flat_map(|(a, b)| [*a, *b]));
    let ticks = axis_ticks(&values, 6, unit);
    let x = Scale { lo: ticks[0], hi: ticks[ticks.len() - 1], from: left, to: w - right };
    let mut m = open_chart("bullet", title, w, h);
    m.empty(
        "rect",
        &[("x", &px(left)), ("y", "6"), ("width", &px(w - left - right)), ("height", "26"), ("fill", "#f6f8fa")],
    );
    for (a, b) in &bands {
        let (x0, x1) = (x.at(a.min(*b)), x.at(a.max(*b)));
        m.empty("rect", &[("class", "band"), ("x", &px(x0)), ("y", "6"), ("width", &px(x1 - x0)), ("height", "26")]);
    }
    if let Some(a) = actual {
        let (x0, x1) = (x.at(0.0_f64.max(x.lo)), x.at(a));
        let attrs = [
            ("class", status_class(status).to_string()),
            ("x", px(x0.min(x1))),
            ("y", "13".into()),
            ("width", px((x1 - x0).abs())),
            ("height", "12".into()),
        ];
        m.open("rect", &borrow(&attrs));
        m.leaf("title", &[], &format!("actual {}", format_value(unit, a)));
        m.close("rect");
    }
    for b in target.map(bounds).unwrap_or_default() {
        let tx = px(x.at(b));
        m.open("line", &[("class", "tick-target"), ("x1", &tx), ("x2", &tx), ("y1", "2"), ("y2", "36")]);
        m.leaf("title", &[], &format!("target {}", target_text(unit, target)));
        m.close("line");
    }
    for t in &ticks {
        m.leaf("text", &[("x", &px(x.at(*t))), ("y", "52"), ("text-anchor", "middle")], &tick(unit, *t, &ticks));
    }
    m.close("svg");
    m
}

/// A line of values in a cell of a table (the score over periods).
pub fn spark(title: &str, values: &[Option<f64>]) -> Markup {
    let (w, h) = (96.0, 24.0);
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let y = Scale { lo, hi, from: h - 4.0, to: 4.0 };
    let step = (w - 8.0) / values.len().saturating_sub(1).max(1) as f64;
    let mut d = String::new();
    let mut last = None;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                d.push_str(&format!(
                    "{}{},{} ",
                    if last == Some(i.wrapping_sub(1)) { "L" } else { "M" },
                    px(4.0 + step * i as f64),
                    px(y.at(*v))
                ));
                last = Some(i);
            }
            None => last = None,
        }
    }
    let mut m = Markup::new();
    let size = [
        ("class", "chart spark".to_string()),
        ("data-chart", "spark".into()),
        ("viewBox", format!("0 0 {w} {h}")),
        ("width", px(w)),
        ("height", px(h)),
        ("role", "img".into()),
        ("aria-label", title.to_string()),
    ];
    m.open("svg", &borrow(&size));
    m.leaf("title", &[], title);
    m.empty("path", &[("class", "actual"), ("d", d.trim_end())]);
    if let Some((i, v)) = values.iter().enumerate().rev().find_map(|(i, v)| v.map(|v| (i, v))) {
        m.empty(
            "circle",
            &[("class", "s-nodata"), ("cx", &px(4.0 + step * i as f64)), ("cy", &px(y.at(v))), ("r", "2.5")],
        );
    }
    m.close("svg");
    m
}

fn open_chart(kind: &str, title: &str, w: f64, h: f64) -> Markup {
    let mut m = Markup::new();
    let attrs = [
        ("class", format!("chart {kind}")),
        ("data-chart", kind.to_string()),
        ("viewBox", format!("0 0 {} {}", px(w), px(h))),
        ("width", px(w)),
        ("height", px(h)),
        ("role", "img".to_string()),
        ("aria-label", title.to_string()),
    ];
    m.open("svg", &borrow(&attrs));
    m.leaf("title", &[], title);
    m
}

fn borrow<'a>(attrs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    attrs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The values a target line is drawn at.
fn bounds(t: TargetValue) -> Vec<f64> {
    match t {
        TargetValue::AtLeast { value } | TargetValue::AtMost { value } => vec![value],
        TargetValue::Between { low, high } => vec![low, high],
    }
}

/// Round ticks around `values`, from zero when zero does not squash the data
/// (the smallest value is at most half the largest). Durations get round
/// numbers of days (or of hours, below a day), not of seconds.
fn axis_ticks(values: &[f64], n: usize, unit: &Unit) -> Vec<f64> {
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if lo > 0.0 && lo <= hi / 2.0 {
        lo = 0.0;
    }
    if hi < 0.0 && hi >= lo / 2.0 {
        hi = 0.0;
    }
    let scale = match unit {
        Unit::Duration => duration_scale(lo.abs().max(hi.abs())),
        _ => 1.0,
    };
    ticks(lo / scale, hi / scale, n).into_iter().map(|t| t * scale).collect()
}

/// Seconds in the step of a duration axis reaching `most` seconds: a day, or an hour.
fn duration_scale(most: f64) -> f64 {
    if most >= 86_400.0 {
        86_400.0
    } else {
        3_600.0
    }
}

/// A tick's label; a duration in the axis's days or hours ("2.5 d", "12 h").
fn tick(unit: &Unit, v: f64, ticks: &[f64]) -> String {
    let v = if v.abs() < 1e-9 { 0.0 } else { v };
    match unit {
        Unit::Duration => {
            let scale = duration_scale(ticks.iter().fold(0.0, |m: f64, t| m.max(t.abs())));
            let suffix = if scale == 86_400.0 { "d" } else { "h" };
            format!("{} {suffix}", format_number(v / scale, 2))
        }
        _ => format_tick(unit, v),
    }
}

/// The target as a stepped line, one level per period; `bound` 0 is the only
/// (or the lower) bound, 1 the upper bound of a range.
fn target_path(points: &[Point], bound: usize, x: &impl Fn(usize) -> f64, y: &Scale, step: f64) -> String {
    let mut d = String::new();
    let mut drawing = false;
    for (i, p) in points.iter().enumerate() {
        match p.target.map(bounds).and_then(|b| b.get(bound).copied()) {
            Some(v) => {
                let (x0, x1, yv) = (px(x(i) - step / 2.0), px(x(i) + step / 2.0), px(y.at(v)));
                if drawing {
                    d.push_str(&format!("V{yv} H{x1} "));
                } else {
                    d.push_str(&format!("M{x0},{yv} H{x1} "));
                }
                drawing = true;
            }
            None => drawing = false,
        }
    }
    d.trim_end().to_string()
}

/// The at-risk band as one shape per run of periods that have it (no seams
/// between periods); `which` 0 is the only (or the lower) band, 1 the upper
/// band of a range.
fn band_path(
    points: &[Point],
    which: usize,
    warn: Option<Warn>,
    x: &impl Fn(usize) -> f64,
    y: &Scale,
    step: f64,
) -> String {
    let mut d = String::new();
    let mut run: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut flush = |run: &mut Vec<(f64, f64, f64, f64)>| {
        if let Some(first) = run.first() {
            d.push_str(&format!("M{},{} ", px(first.0), px(first.2)));
            for (x0, x1, top, _) in run.iter() {
                d.push_str(&format!("L{},{} L{},{} ", px(*x0), px(*top), px(*x1), px(*top)));
            }
            for (x0, x1, _, bottom) in run.iter().rev() {
                d.push_str(&format!("L{},{} L{},{} ", px(*x1), px(*bottom), px(*x0), px(*bottom)));
            }
            d.push_str("Z ");
        }
        run.clear();
    };
    for (i, p) in points.iter().enumerate() {
        match p.target.map(|t| at_risk_bands(warn, t)).and_then(|b| b.get(which).copied()) {
            Some((a, b)) => run.push((x(i) - step / 2.0, x(i) + step / 2.0, y.at(a.max(b)), y.at(a.min(b)))),
            None => flush(&mut run),
        }
    }
    flush(&mut run);
    d.trim_end().to_string()
}

/// The actuals joined by a line, broken where a period has no value.
fn actual_path(points: &[Point], x: &impl Fn(usize) -> f64, y: &Scale) -> String {
    let mut d = String::new();
    let mut joined = false;
    for (i, p) in points.iter().enumerate() {
        match p.actual {
            Some(a) => {
                d.push_str(&format!("{}{},{} ", if joined { "L" } else { "M" }, px(x(i)), px(y.at(a))));
                joined = true;
            }
            None => joined = false,
        }
    }
    d.trim_end().to_string()
}

/// A point's marker: a circle when met, a triangle at risk, a cross when missed,
/// a hollow circle without a target.
fn marker(m: &mut Markup, p: &Point, x: f64, y: f64, unit: &Unit) {
    let class = status_class(p.status);
    m.open("g", &[("class", &format!("m {class}"))]);
    let actual = p.actual.map_or("—".into(), |a| format_value(unit, a));
    m.leaf(
        "title",
        &[],
        &format!("{}: {actual} (target {}), {}", p.period, target_text(unit, p.target), p.status.label()),
    );
    match p.status {
        Status::Met => {
            m.empty("circle", &[("cx", &px(x)), ("cy", &px(y)), ("r", "4")]);
        }
        Status::AtRisk => {
            let d = format!(
                "M{},{} L{},{} L{},{} Z",
                px(x),
                px(y - 5.5),
                px(x + 5.0),
                px(y + 3.5),
                px(x - 5.0),
                px(y + 3.5)
            );
            m.empty("path", &[("d", &d)]);
        }
        Status::Missed => {
            let d = format!(
                "M{},{} L{},{} M{},{} L{},{}",
                px(x - 4.0),
                px(y - 4.0),
                px(x + 4.0),
                px(y + 4.0),
                px(x + 4.0),
                px(y - 4.0),
                px(x - 4.0),
                px(y + 4.0)
            );
            m.empty("path", &[("class", "cross"), ("d", &d)]);
        }
        Status::NoData => {
            m.empty("circle", &[("class", "hollow"), ("cx", &px(x)), ("cy", &px(y)), ("r", "3.5")]);
        }
    }
    m.close("g");
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_axes_step_in_days_or_hours() {
        let day = 86_400.0;
        let t = axis_ticks(&[12.6 * day, 18.4 * day, 14.0 * day], 3, &Unit::Duration);
        assert_eq!(t, [12.0, 14.0, 16.0, 18.0, 20.0].map(|d| d * day));
        assert_eq!(tick(&Unit::Duration, 12.0 * day, &t), "12 d");
        let h = axis_ticks(&[2.0 * 3600.0, 7.5 * 3600.0], 3, &Unit::Duration);
        assert_eq!(h, [0.0, 2.5, 5.0, 7.5].map(|x| x * 3600.0));
        assert_eq!(tick(&Unit::Duration, 2.5 * 3600.0, &h), "2.5 h");
        // Zero joins the axis when it does not squash the data; money in round steps.
        let rub = Unit::Money("RUB".into());
        assert_eq!(axis_ticks(&[93_110.0, 300_000.0], 3, &rub), [0.0, 100_000.0, 200_000.0, 300_000.0]);
        assert_eq!(tick(&rub, 200_000.0, &[]), "200k");
    }
}
