//! Trends over periods: each KPI's results per entity over all the data, and the
//! findings a reader should not miss (docs/report.md): a KPI missed several
//! periods in a row, a value far outside its own recent range, a steady decline.
//!
//! This is analysis, not rendering: findings are data, worded by the reports.
//! The detectors work on plain slices so that they are tested on hand-made series.

use super::{Entity, Evaluation, KpiResult, Status, TargetValue};
use crate::eval::period::Period;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Missed in this many consecutive periods or more is a finding.
pub const MISSED_RUN: usize = 3;
/// A value is judged against the values of this many periods before it...
pub const RECENT: usize = 6;
/// ...of which at least this many must have a value.
pub const RECENT_MIN: usize = 4;
/// The recent range is at least this fraction of the recent values' mean
/// magnitude wide, so that on a flat series a small wobble is not an outlier.
pub const RANGE_FLOOR: f64 = 0.1;
/// A steady trend is this many consecutive moves in one direction (four values)...
pub const STEADY_STEPS: usize = 3;
/// ...that add up to at least this fraction of the first value.
pub const STEADY_MIN_CHANGE: f64 = 0.05;

/// One KPI result of one entity in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub period: Period,
    pub actual: Option<f64>,
    pub target: Option<TargetValue>,
    pub status: Status,
}

/// Every KPI's results per entity, in period order, one point per period from
/// the KPI's first period with data to its last.
#[derive(Debug, Default)]
pub struct History {
    series: BTreeMap<(String, Entity), Vec<Point>>,
}

impl History {
    /// The history of an evaluation of all periods (not narrowed to a window).
    pub fn new(eval: &Evaluation) -> History {
        let mut series: BTreeMap<(String, Entity), Vec<Point>> = BTreeMap::new();
        for k in &eval.kpis {
            for r in &k.rows {
                let point = Point { period: r.period, actual: r.actual, target: r.target, status: r.status };
                series.entry((k.name.clone(), r.entity.clone())).or_default().push(point);
            }
        }
        for points in series.values_mut() {
            points.sort_by_key(|p| p.period);
        }
        History { series }
    }

    /// Every point of one KPI and entity.
    pub fn series(&self, kpi: &str, entity: &Entity) -> &[Point] {
        self.series.get(&(kpi.to_string(), entity.clone())).map_or(&[], Vec::as_slice)
    }

    /// The last `n` points of one KPI and entity up to and including `until`.
    pub fn recent(&self, kpi: &str, entity: &Entity, until: Period, n: usize) -> &[Point] {
        let all = self.series(kpi, entity);
        let end = all.partition_point(|p| p.period <= until);
        &all[end.saturating_sub(n)..end]
    }
}

/// Something in a series worth saying in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kpi: String,
    pub entity: Entity,
    /// The first and the last period the finding covers.
    pub first: Period,
    pub last: Period,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Missed in `periods` consecutive periods; `ongoing` when the last of them
    /// is the latest period reported.
    MissedRun { periods: usize, ongoing: bool },
    /// The value in `last` lies far outside the range `low..high` of the values
    /// in the periods before it.
    Outlier { value: f64, low: f64, high: f64 },
    /// Every value from `first` to the latest period moved the same way, from
    /// `from` to `to`, over `steps` moves; only the direction that is bad for
    /// the KPI's target (both without a one-sided target).
    Steady { direction: Move, steps: usize, from: f64, to: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Down,
    Up,
}

/// The findings of one KPI in the periods it reports (`shown`, narrowed to the
/// window), judged on its whole history up to the last of those periods.
pub fn findings(history: &History, shown: &KpiResult) -> Vec<Finding> {
    let periods: BTreeSet<Period> = shown.rows.iter().map(|r| r.period).collect();
    let Some(&latest) = periods.last() else { return Vec::new() };
    let entities: BTreeSet<&Entity> = shown.rows.iter().map(|r| &r.entity).collect();
    let mut out = Vec::new();
    for entity in entities {
        let points = history.recent(&shown.name, entity, latest, usize::MAX);
        let finding = |range: Range<usize>, kind: Kind| Finding {
            kpi: shown.name.clone(),
            entity: entity.clone(),
            first: points[range.start].period,
            last: points[range.end - 1].period,
            kind,
        };
        let statuses: Vec<Status> = points.iter().map(|p| p.status).collect();
        for run in missed_runs(&statuses) {
            let kind = Kind::MissedRun { periods: run.len(), ongoing: run.end == points.len() };
            out.push(finding(run, kind));
        }
        let values: Vec<Option<f64>> = points.iter().map(|p| p.actual).collect();
        let target = points.last().and_then(|p| p.target);
        for &direction in worsening(target) {
            let run = match direction {
                Move::Down => decline(&values),
                Move::Up => rise(&values),
            };
            if let Some(run) = run {
                let (from, to) = (values[run.start].unwrap_or(0.0), values[run.end - 1].unwrap_or(0.0));
                let steps = run.len() - 1;
                out.push(finding(run, Kind::Steady { direction, steps, from, to }));
            }
        }
        for (i, low, high) in outliers(&values) {
            let value = values[i].unwrap_or(0.0);
            out.push(finding(i..i + 1, Kind::Outlier { value, low, high }));
        }
    }
    out.retain(|f| periods.contains(&f.last));
    out
}

/// The directions of movement that take a KPI away from its target.
fn worsening(target: Option<TargetValue>) -> &'static [Move] {
    match target {
        Some(TargetValue::AtLeast { .. }) => &[Move::Down],
        Some(TargetValue::AtMost { .. }) => &[Move::Up],
        Some(TargetValue::Between { .. }) | None => &[Move::Down, Move::Up],
    }
}

/// Maximal runs of `missed` at least [`MISSED_RUN`] long. Any other status,
/// including "no data", ends a run.
pub fn missed_runs(statuses: &[Status]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, s) in statuses.iter().chain([&Status::NoData]).enumerate() {
        match (*s == Status::Missed, start) {
            (true, None) => start = Some(i),
            (false, Some(first)) => {
                if i - first >= MISSED_RUN {
                    runs.push(first..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// Values far outside their own recent range, with that range: the range
/// `low..high` of the values in the [`RECENT`] periods before (at least
/// [`RECENT_MIN`] of them with a value), and "far" is beyond it by more than its
/// width (at least [`RANGE_FLOOR`] of the recent values' mean magnitude).
pub fn outliers(values: &[Option<f64>]) -> Vec<(usize, f64, f64)> {
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let Some(x) = *value else { continue };
        let recent: Vec<f64> = values[i.saturating_sub(RECENT)..i].iter().flatten().copied().collect();
        if recent.len() < RECENT_MIN {
            continue;
        }
        let low = recent.iter().copied().fold(f64::INFINITY, f64::min);
        let high = recent.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let magnitude = recent.iter().map(|v| v.abs()).sum::<f64>() / recent.len() as f64;
        let width = (high - low).max(RANGE_FLOOR * magnitude);
        if x > high + width || x < low - width {
            out.push((i, low, high));
        }
    }
    out
}

/// The run of falling values that ends with the last value, when it is steady:
/// at least [`STEADY_STEPS`] falls in consecutive periods (a period without a
/// value ends the run) that add up to [`STEADY_MIN_CHANGE`] of the first value.
pub fn decline(values: &[Option<f64>]) -> Option<Range<usize>> {
    let last = values.len().checked_sub(1)?;
    let end = values[last]?;
    let mut start = last;
    while start > 0 {
        match (values[start - 1], values[start]) {
            (Some(before), Some(now)) if now < before => start -= 1,
            _ => break,
        }
    }
    let first = values[start]?;
    let steady = last - start >= STEADY_STEPS && first - end >= STEADY_MIN_CHANGE * first.abs();
    steady.then_some(start..last + 1)
}

/// [`decline`] of the values turned upside down.
pub fn rise(values: &[Option<f64>]) -> Option<Range<usize>> {
    let negated: Vec<Option<f64>> = values.iter().map(|v| v.map(|x| -x)).collect();
    decline(&negated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::{AtRisk as R, Met as M, Missed as X, NoData as N};

    fn v(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().map(|x| Some(*x)).collect()
    }

    #[test]
    fn missed_runs_of_three_or_more() {
        assert_eq!(missed_runs(&[M, X, X, X, M, X, X]), vec![1..4]);
        // A run at the very end counts; at risk and no data end a run.
        assert_eq!(missed_runs(&[X, X, R, X, X, X, X]), vec![3..7]);
        assert_eq!(missed_runs(&[X, X, N, X, X]), Vec::<Range<usize>>::new());
        assert_eq!(missed_runs(&[X, X, X, N, X, X, X]), vec![0..3, 4..7]);
        assert!(missed_runs(&[]).is_empty());
    }

    #[test]
    fn outlier_beyond_the_recent_range_by_more_than_its_width() {
        // Recent range 90..110 (width 20): 131 is beyond 130, 129 is not.
        let mut s = v(&[100.0, 90.0, 110.0, 100.0, 131.0]);
        assert_eq!(outliers(&s), vec![(4, 90.0, 110.0)]);
        s[4] = Some(129.0);
        assert!(outliers(&s).is_empty());
        // Below: under 90 − 20 = 70.
        assert_eq!(outliers(&v(&[100.0, 90.0, 110.0, 100.0, 69.0])), vec![(4, 90.0, 110.0)]);
    }

    #[test]
    fn outlier_needs_four_recent_values_of_the_last_six() {
        // Three values before: not enough history to judge.
        assert!(outliers(&v(&[100.0, 100.0, 100.0, 500.0])).is_empty());
        // Only the six periods before count: the early 1,000 is out of view.
        let s = v(&[1000.0, 100.0, 101.0, 99.0, 100.0, 100.0, 100.0, 125.0]);
        // Recent 100, 101, 99, 100, 100 and 100: range 99..101, width floor
        // 10 % of 100 = 10, so 125 is beyond 111.
        assert_eq!(outliers(&s)[0], (7, 99.0, 101.0));
        let with_gaps = vec![Some(100.0), None, Some(100.0), None, Some(100.0), Some(100.0), Some(300.0)];
        assert_eq!(outliers(&with_gaps), vec![(6, 100.0, 100.0)]);
    }

    #[test]
    fn flat_series_tolerates_small_wobbles() {
        // Range 0 wide; the floor is 10 % of 200 = 20: 215 is no outlier, 221 is.
        assert!(outliers(&v(&[200.0, 200.0, 200.0, 200.0, 215.0])).is_empty());
        assert_eq!(outliers(&v(&[200.0, 200.0, 200.0, 200.0, 221.0])).len(), 1);
    }

    #[test]
    fn steady_decline_ends_at_the_latest_value() {
        // 120 > 110 > 100 > 90: three falls, 25 % of 120.
        assert_eq!(decline(&v(&[80.0, 120.0, 110.0, 100.0, 90.0])), Some(1..5));
        // Two falls are not a trend.
        assert_eq!(decline(&v(&[120.0, 110.0, 100.0])), None);
        // A rise at the end breaks it.
        assert_eq!(decline(&v(&[120.0, 110.0, 100.0, 90.0, 95.0])), None);
        // A flat step breaks it.
        assert_eq!(decline(&v(&[120.0, 110.0, 110.0, 100.0, 90.0])), None);
        // A gap breaks it.
        assert_eq!(decline(&[Some(130.0), None, Some(120.0), Some(110.0), Some(100.0)]), None);
        // Three falls of 0.8 % of 100 in total: too small to mention; 6 % is enough.
        assert_eq!(decline(&v(&[100.0, 99.8, 99.5, 99.2])), None);
        assert_eq!(decline(&v(&[100.0, 98.0, 96.0, 94.0])), Some(0..4));
        assert_eq!(decline(&[]), None);
    }

    #[test]
    fn steady_rise_is_a_decline_upside_down() {
        assert_eq!(rise(&v(&[0.02, 0.03, 0.04, 0.05])), Some(0..4));
        assert_eq!(rise(&v(&[0.05, 0.04, 0.03, 0.02])), None);
    }
}
