//! What an evaluation says about a number beside the number: each note is
//! data, and its wording is here, in one place.

use super::period::Period;
use super::Status;
use serde::Serialize;
use std::fmt;

/// A remark on one result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A division by zero: the value has no data.
    DivisionByZero,
    /// A target of zero or less (or `<=` below zero): the attainment, a share
    /// of the way to the target, is undefined.
    AttainmentUndefined,
    /// `target ... previous`, and the previous period has no value.
    NoPreviousActual { period: Period },
    /// `target ... table`, and the table has no row for the entity and period.
    NotInTargetTable { path: String },
    /// A target table's value above 100 % for a share, which cannot exceed it.
    TargetAboveShare { path: String, line: usize },
    /// Scorecards: a KPI that has no attainment and is left out or counted as 0.
    Missing { kpi: String, why: Missing, rule: MissingRuleApplied },
    /// Scorecards: a KPI the entity did nothing for while it is present.
    NothingDone { kpi: String },
    /// Scorecards: a KPI met or missed without an attainment.
    NoRatio { kpi: String, status: Status, counted: f64 },
    /// Scorecards: a negative attainment counts 0.
    NegativeAttainment { kpi: String, attainment: f64 },
    /// Scorecards: a gate KPI not met.
    GateClosed { kpi: String, status: Status },
    /// Scorecards: a bonus base table without a row for the entity and period.
    NoBase,
    /// Cascades: `proportional to`, and the child had no actual in the base period.
    NoBaseShare,
    /// Cascades: a child in the data that an explicit allocation does not list.
    NotInCascade { dimension: String },
    /// Cascades: a child an explicit allocation lists that has no rows.
    NotInData,
    /// Cascades: `evenly`, and the child is not active in the period.
    NotActive,
}

/// Why a scorecard KPI has no attainment to count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Missing {
    /// The KPI has a value but no target for the entity.
    NoTarget,
    /// Nobody has data for the KPI in the period.
    NoDataForAnyone,
    /// The KPI compares with an earlier period in which nothing is known of
    /// the entity (growth in its first month).
    NoHistory,
}

/// What `missing exclude|zero` did with a missing KPI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissingRuleApplied {
    Excluded,
    Zero,
}

impl Note {
    /// A stable name for the note, for scripts reading JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Note::DivisionByZero => "division-by-zero",
            Note::AttainmentUndefined => "attainment-undefined",
            Note::NoPreviousActual { .. } => "no-previous-actual",
            Note::NotInTargetTable { .. } => "not-in-target-table",
            Note::TargetAboveShare { .. } => "target-above-share",
            Note::Missing { .. } => "missing-kpi",
            Note::NothingDone { .. } => "nothing-done",
            Note::NoRatio { .. } => "no-ratio",
            Note::NegativeAttainment { .. } => "negative-attainment",
            Note::GateClosed { .. } => "gate-closed",
            Note::NoBase => "no-bonus-base",
            Note::NoBaseShare => "no-base-share",
            Note::NotInCascade { .. } => "not-in-cascade",
            Note::NotInData => "not-in-data",
            Note::NotActive => "not-active",
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::DivisionByZero => write!(f, "division by zero: no value"),
            Note::AttainmentUndefined => write!(f, "attainment undefined: zero or negative base"),
            Note::NoPreviousActual { period } => write!(f, "no target: no value for the previous period {period}"),
            Note::NotInTargetTable { path } => write!(f, "no target in {path} for this entity and period"),
            Note::TargetAboveShare { path, line } => {
                write!(f, "the target in {path} (line {line}) is above 100%, which this share cannot reach")
            }
            Note::Missing { kpi, why, rule } => {
                let why = match why {
                    Missing::NoTarget => "no target",
                    Missing::NoDataForAnyone => "no data for anyone in this period",
                    Missing::NoHistory => "no earlier period to compare with",
                };
                let rule = match rule {
                    MissingRuleApplied::Excluded => "excluded, weights renormalised",
                    MissingRuleApplied::Zero => "counted as 0",
                };
                write!(f, "{kpi}: {why}, {rule}")
            }
            Note::NothingDone { kpi } => write!(f, "{kpi}: no value (nothing to measure), counted as 0"),
            Note::NoRatio { kpi, status, counted } => {
                write!(f, "{kpi}: {} with no attainment, counted as {}", status.label(), percent(*counted))
            }
            Note::NegativeAttainment { kpi, attainment } => {
                write!(f, "{kpi}: attainment {} counted as 0", percent(*attainment))
            }
            Note::GateClosed { kpi, status } => write!(f, "gate {kpi} is {}: no bonus", status.label()),
            Note::NoBase => write!(f, "no bonus base for this entity and period"),
            Note::NoBaseShare => write!(f, "no actual in the base period: no share"),
            Note::NotInCascade { dimension } => write!(f, "in the data but not in the cascade: no {dimension} target"),
            Note::NotInData => write!(f, "in the cascade, no rows in this period"),
            Note::NotActive => write!(f, "not active in this period: no share of the parent's target"),
        }
    }
}

/// 1.2 as "120%", -5.908 as "-590.8%".
fn percent(fraction: f64) -> String {
    let v = (fraction * 1000.0).round() / 10.0;
    format!("{v}%")
}

impl Serialize for Note {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `notes` as their words and their codes, two fields beside each other.
pub(super) fn with_codes<S: serde::Serializer>(notes: &[Note], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let codes: Vec<&str> = notes.iter().map(Note::code).collect();
    let mut map = s.serialize_map(Some(2))?;
    map.serialize_entry("notes", notes)?;
    map.serialize_entry("note_codes", &codes)?;
    map.end()
}

/// Notes as one line: "a; b".
pub fn joined(notes: &[Note]) -> String {
    notes.iter().map(Note::to_string).collect::<Vec<_>>().join("; ")
}
