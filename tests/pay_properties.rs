//! Pay must move the right way (docs/scorecards.md). For random sales
//! scenarios (several managers and months, late joiners, absences,
//! refunded-only months, zero amounts, cities missing) and random scorecards
//! (weights, caps, `missing` rules, gates, monotone payout curves), each
//! property changes the data or the spec the way its name says and compares
//! the pay of the manager and month it touched:
//!
//! - doing nothing never pays more: a month's paid orders turned into refunds;
//! - more of a good thing never pays less: one more paid order, for a scorecard
//!   of additive higher-is-better KPIs;
//! - fewer bad things never pay less: one refund fewer (the manager keeps a row);
//! - a KPI made harder never raises pay: a higher revenue target;
//! - a sale moved out of a share's numerator never raises pay;
//! - a manager with nothing known for a month is paid nothing for it;
//! - shuffled rows, Parquet instead of CSV and batches of any size give the
//!   same results;
//! - every score and bonus is the documented formula, computed here in exact
//!   fractions from the KPI rows kpic reports.

mod common;

use kpic::eval::{Evaluation, Status, TargetValue};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use proptest::prelude::*;
use std::collections::BTreeMap;

const MANAGERS: [&str; 4] = ["Anna", "Boris", "Clara", "Egor"];
const MONTHS: [u32; 3] = [1, 2, 3];
const BASE: i64 = 10_000;

#[derive(Debug, Clone, PartialEq)]
struct Order {
    manager: usize,
    month: u32,
    day: u32,
    /// In kopecks.
    amount: i64,
    paid: bool,
    city: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kpi {
    Revenue,
    PaidOrders,
    MoscowShare,
    Refunds,
}

#[derive(Debug, Clone)]
struct Curve {
    /// Percent breakpoints lo < hi, and the coefficients: below lo, from lo to
    /// hi (linear), above hi; each at least the one before.
    lo: u32,
    hi: u32,
    floor: u32,
    at_lo: u32,
    at_hi: u32,
    top: u32,
}

#[derive(Debug, Clone)]
struct Scenario {
    orders: Vec<Order>,
    /// The scorecard's KPIs and their weights (percent, total 100).
    weights: Vec<(Kpi, u32)>,
    cap: Option<u32>,
    missing_zero: bool,
    gate: bool,
    curve: Option<Curve>,
    /// Revenue target in roubles, paid orders, share in percent, refunds.
    revenue_target: u32,
    orders_target: u32,
    share_target: u32,
    refunds_target: u32,
}

fn order() -> impl Strategy<Value = Order> {
    (
        0..MANAGERS.len(),
        prop::sample::select(MONTHS.to_vec()),
        1u32..28,
        prop::sample::select(vec![0i64, 1_000_000, 2_500_050, 9_000_000, 12_345_678, 33]),
        prop::bool::weighted(0.7),
        prop::sample::select(vec![Some("Moscow"), Some("Saratov"), None]),
    )
        .prop_map(|(manager, month, day, amount, paid, city)| Order { manager, month, day, amount, paid, city })
}

fn curve() -> impl Strategy<Value = Option<Curve>> {
    prop::option::of((50u32..120, 1u32..80, 0u32..40, 0u32..60, 0u32..60, 0u32..80)).prop_map(|c| {
        c.map(|(lo, span, floor, up1, up2, up3)| Curve {
            lo,
            hi: lo + span,
            floor,
            at_lo: floor + up1,
            at_hi: floor + up1 + up2,
            top: floor + up1 + up2 + up3,
        })
    })
}

/// Weights over `kpis`: random parts of 100.
fn weights(kpis: Vec<Kpi>) -> impl Strategy<Value = Vec<(Kpi, u32)>> {
    let n = kpis.len();
    prop::collection::vec(1u32..10, n).prop_map(move |parts| {
        let total: u32 = parts.iter().sum();
        let mut ws: Vec<u32> = parts.iter().map(|p| p * 100 / total).collect();
        let rest = 100 - ws.iter().sum::<u32>();
        ws[0] += rest;
        kpis.iter().copied().zip(ws).filter(|(_, w)| *w > 0).collect()
    })
}

fn scenario_with(kpis: impl Strategy<Value = Vec<Kpi>>) -> impl Strategy<Value = Scenario> {
    (
        prop::collection::vec(order(), 1..24),
        kpis.prop_flat_map(weights),
        prop::option::of(100u32..200),
        any::<bool>(),
        any::<bool>(),
        curve(),
        (prop::sample::select(vec![1u32, 50_000, 100_000, 175_000]), 1u32..4, 10u32..90, 0u32..3),
    )
        .prop_map(|(orders, weights, cap, missing_zero, gate, curve, targets)| {
            let refunds = weights.iter().any(|(k, _)| *k == Kpi::Refunds);
            Scenario {
                orders,
                // Lower is better needs a cap (E406).
                cap: if refunds { cap.or(Some(150)) } else { cap },
                gate: gate && weights.iter().any(|(k, _)| *k == Kpi::Revenue),
                weights,
                missing_zero,
                curve,
                revenue_target: targets.0,
                orders_target: targets.1,
                share_target: targets.2,
                refunds_target: targets.3,
            }
        })
}

fn any_kpis() -> impl Strategy<Value = Vec<Kpi>> {
    prop::sample::subsequence(vec![Kpi::Revenue, Kpi::PaidOrders, Kpi::MoscowShare, Kpi::Refunds], 1..=4)
}

fn additive_kpis() -> impl Strategy<Value = Vec<Kpi>> {
    prop::sample::subsequence(vec![Kpi::Revenue, Kpi::PaidOrders], 1..=2)
}

impl Scenario {
    fn spec(&self) -> String {
        let mut s = String::from(
            r#"source orders from "orders.csv" {
  time day: date
  manager: text
  city: text
  amount: money(RUB)
  status: text
}
filter paid = orders.status == "paid"
filter refunded = orders.status == "refunded"
filter moscow = orders.city == "Moscow"
"#,
        );
        s += &format!(
            "kpi revenue {{ metric sum(orders.amount) where paid per month by manager target >= {} RUB }}\n",
            self.revenue_target
        );
        s += &format!(
            "kpi paid_orders {{ metric count(orders where paid) per month by manager target >= {} }}\n",
            self.orders_target
        );
        s += &format!(
            "kpi moscow_share {{ metric sum(orders.amount where paid and moscow) / sum(orders.amount where paid) per month by manager target >= {}% }}\n",
            self.share_target
        );
        s += &format!(
            "kpi refunds {{ metric count(orders where refunded) per month by manager target <= {} }}\n",
            self.refunds_target
        );
        s += "scorecard pay by manager per month {\n";
        for (k, w) in &self.weights {
            s += &format!("  {} {w}%\n", kpi_name(*k));
        }
        if let Some(c) = self.cap {
            s += &format!("  cap {c}%\n");
        }
        s += if self.missing_zero { "  missing zero\n" } else { "  missing exclude\n" };
        if self.gate {
            s += "  gate revenue\n";
        }
        s += &format!("  base {BASE} RUB\n");
        if let Some(c) = &self.curve {
            s += &format!(
                "  payout {{\n    below {}% => {}\n    {}% .. {}% => linear {} .. {}\n    above {}% => {}\n  }}\n",
                c.lo,
                c.floor as f64 / 100.0,
                c.lo,
                c.hi,
                c.at_lo as f64 / 100.0,
                c.at_hi as f64 / 100.0,
                c.hi,
                c.top as f64 / 100.0
            );
        }
        s + "}\n"
    }

    fn csv(&self, orders: &[Order]) -> String {
        let mut s = String::from("day,manager,city,amount,status\n");
        for o in orders {
            let amount = format!("{}.{:02}", o.amount / 100, o.amount % 100);
            let status = if o.paid { "paid" } else { "refunded" };
            s += &format!(
                "2025-{:02}-{:02},{},{},{amount},{status}\n",
                o.month,
                o.day,
                MANAGERS[o.manager],
                o.city.unwrap_or("")
            );
        }
        s
    }
}

fn kpi_name(k: Kpi) -> &'static str {
    match k {
        Kpi::Revenue => "revenue",
        Kpi::PaidOrders => "paid_orders",
        Kpi::MoscowShare => "moscow_share",
        Kpi::Refunds => "refunds",
    }
}

/// How the data is read.
#[derive(Clone, Copy)]
enum Read {
    Csv,
    Parquet,
    Batches(usize),
}

fn evaluate(s: &Scenario, orders: &[Order], read: Read) -> Evaluation {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.kpi");
    std::fs::write(&spec, s.spec()).unwrap();
    std::fs::write(dir.path().join("orders.csv"), s.csv(orders)).unwrap();
    let checked = kpic::check_spec(&spec, &|p| std::fs::read(p)).unwrap();
    let errors: Vec<&String> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "{errors:?}\n{}", s.spec());
    let mut opts = kpic::Selection::default();
    if let Read::Parquet = read {
        let parquet = dir.path().join("orders.parquet");
        common::parquet_copy(&dir.path().join("orders.csv"), "day", &parquet);
        opts.data.push(("orders".into(), parquet));
    }
    let plan = kpic::lower(&checked, &opts).unwrap();
    let window = kpic::eval::Window::default();
    match read {
        Read::Batches(bytes) => {
            let results = kpic::backend::run_in_batches(&plan, bytes).unwrap();
            kpic::evaluate(&checked, &plan, &results, &window, &kpic::eval::Quiet).unwrap()
        }
        _ => kpic::run_and_evaluate(&checked, &plan, &window, &kpic::eval::Quiet).unwrap(),
    }
}

/// (manager, month) to (score, bonus) of the scorecard's rows.
type Pay = BTreeMap<(String, u32), (Option<f64>, Option<f64>)>;

fn pay(e: &Evaluation) -> Pay {
    e.scorecards[0]
        .rows
        .iter()
        .map(|r| {
            let month = r.period.start.format("%m").to_string().parse().unwrap();
            ((r.entity.clone().unwrap_or_default(), month), (r.score, r.bonus))
        })
        .collect()
}

/// `after` pays the manager in the month no more than `before` (a missing
/// row is no pay).
fn no_more(before: &Pay, after: &Pay, who: &(String, u32)) -> Result<(), TestCaseError> {
    let (s0, b0) = before.get(who).cloned().unwrap_or((None, None));
    let (s1, b1) = after.get(who).cloned().unwrap_or((None, None));
    let score = |s: Option<f64>| s.unwrap_or(f64::NEG_INFINITY);
    let bonus = |b: Option<f64>| b.unwrap_or(0.0);
    prop_assert!(score(s1) <= score(s0), "{who:?}: score {s0:?} -> {s1:?}");
    prop_assert!(bonus(b1) <= bonus(b0), "{who:?}: bonus {b0:?} -> {b1:?}");
    Ok(())
}

fn key(o: &Order) -> (String, u32) {
    (MANAGERS[o.manager].to_string(), o.month)
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn doing_nothing_never_pays_more(s in scenario_with(any_kpis()), pick in any::<prop::sample::Index>()) {
        let paid: Vec<&Order> = s.orders.iter().filter(|o| o.paid).collect();
        prop_assume!(!paid.is_empty());
        let who = key(paid[pick.index(paid.len())]);
        let refunded: Vec<Order> = s.orders.iter().map(|o| {
            let mut o = o.clone();
            if key(&o) == who { o.paid = false; }
            o
        }).collect();
        let before = pay(&evaluate(&s, &s.orders, Read::Csv));
        let after = pay(&evaluate(&s, &refunded, Read::Csv));
        // Still present: the refunded orders are rows of the month.
        prop_assert!(after.contains_key(&who), "{who:?} has rows, so a scorecard row");
        no_more(&before, &after, &who)?;
    }

    #[test]
    fn one_more_paid_order_never_pays_less(s in scenario_with(additive_kpis()), extra in order()) {
        let extra = Order { paid: true, ..extra };
        let who = key(&extra);
        let mut more = s.orders.clone();
        more.push(extra);
        let before = pay(&evaluate(&s, &s.orders, Read::Csv));
        let after = pay(&evaluate(&s, &more, Read::Csv));
        no_more(&after, &before, &who)?;
    }

    #[test]
    fn one_refund_fewer_never_pays_less(s in scenario_with(any_kpis()), pick in any::<prop::sample::Index>()) {
        let refunds: Vec<usize> = (0..s.orders.len()).filter(|i| !s.orders[*i].paid).collect();
        prop_assume!(!refunds.is_empty());
        let gone = refunds[pick.index(refunds.len())];
        let who = key(&s.orders[gone]);
        // The manager keeps a row in the month: he stays present.
        prop_assume!(s.orders.iter().enumerate().any(|(i, o)| i != gone && key(o) == who));
        let mut fewer = s.orders.clone();
        fewer.remove(gone);
        let before = pay(&evaluate(&s, &s.orders, Read::Csv));
        let after = pay(&evaluate(&s, &fewer, Read::Csv));
        no_more(&after, &before, &who)?;
    }

    #[test]
    fn a_harder_target_never_pays_more(s in scenario_with(any_kpis()), more in 1u32..100_000) {
        let harder = Scenario { revenue_target: s.revenue_target + more, ..s.clone() };
        let before = pay(&evaluate(&s, &s.orders, Read::Csv));
        let after = pay(&evaluate(&harder, &s.orders, Read::Csv));
        for who in before.keys() {
            no_more(&before, &after, who)?;
        }
    }

    #[test]
    fn a_sale_out_of_moscow_never_pays_more(s in scenario_with(any_kpis()), pick in any::<prop::sample::Index>()) {
        let moscow: Vec<usize> =
            (0..s.orders.len()).filter(|i| s.orders[*i].paid && s.orders[*i].city == Some("Moscow")).collect();
        prop_assume!(!moscow.is_empty());
        let moved = moscow[pick.index(moscow.len())];
        let who = key(&s.orders[moved]);
        let mut elsewhere = s.orders.clone();
        elsewhere[moved].city = Some("Saratov");
        let before = pay(&evaluate(&s, &s.orders, Read::Csv));
        let after = pay(&evaluate(&s, &elsewhere, Read::Csv));
        no_more(&before, &after, &who)?;
    }

    #[test]
    fn nothing_known_pays_nothing(s in scenario_with(any_kpis())) {
        let paid = pay(&evaluate(&s, &s.orders, Read::Csv));
        for (m, name) in MANAGERS.iter().enumerate() {
            for month in MONTHS {
                let known = s.orders.iter().any(|o| o.manager == m && o.month == month);
                prop_assert_eq!(known, paid.contains_key(&(name.to_string(), month)), "{} in month {}", name, month);
            }
        }
    }

    #[test]
    fn order_format_and_batches_do_not_change_a_bit(s in scenario_with(any_kpis()), bytes in 16usize..400) {
        let reference = serde_json::to_string(&evaluate(&s, &s.orders, Read::Csv)).unwrap();
        let mut shuffled = s.orders.clone();
        shuffled.reverse();
        prop_assert_eq!(&reference, &serde_json::to_string(&evaluate(&s, &shuffled, Read::Csv)).unwrap());
        prop_assert_eq!(&reference, &serde_json::to_string(&evaluate(&s, &s.orders, Read::Parquet)).unwrap());
        prop_assert_eq!(&reference, &serde_json::to_string(&evaluate(&s, &s.orders, Read::Batches(bytes))).unwrap());
    }

    #[test]
    fn scores_and_bonuses_are_the_documented_formula(s in scenario_with(any_kpis())) {
        let e = evaluate(&s, &s.orders, Read::Csv);
        for row in &e.scorecards[0].rows {
            let (score, coefficient) = formula(&s, &e, row);
            prop_assert_eq!(row.score, score.as_ref().map(to_f64), "score of {:?} {}", row.entity, row.period);
            prop_assert_eq!(row.coefficient, coefficient.as_ref().map(to_f64));
            let bonus = coefficient.map(|k| to_f64(&kopecks(&(k * BigRational::from_integer(BASE.into())))));
            prop_assert_eq!(row.bonus, bonus, "bonus of {:?} {}", row.entity, row.period);
        }
    }
}

/// The decimal a float prints as, from its shortest digits.
fn dec(x: f64) -> BigRational {
    let text = format!("{x}");
    let negative = text.starts_with('-');
    let text = text.trim_start_matches('-');
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits: BigInt = format!("{whole}{frac}").parse().unwrap();
    let v = BigRational::new(digits, num_traits::pow(BigInt::from(10), frac.len()));
    if negative {
        -v
    } else {
        v
    }
}

fn to_f64(x: &BigRational) -> f64 {
    x.to_f64().unwrap()
}

fn pct(p: u32) -> BigRational {
    BigRational::new(p.into(), 100.into())
}

/// Rounded to kopecks, halves away from zero.
fn kopecks(x: &BigRational) -> BigRational {
    let scaled = x * BigRational::from_integer(100.into());
    let half = BigRational::new(1.into(), 2.into());
    let r = if scaled.is_negative() { -(-scaled + half).floor() } else { (scaled + half).floor() };
    r / BigRational::from_integer(100.into())
}

/// The score and coefficient of a scorecard row by docs/scorecards.md, from
/// the KPI rows kpic reports (exact fractions of their decimals).
fn formula(
    s: &Scenario,
    e: &Evaluation,
    row: &kpic::eval::scorecard::ScoreRow,
) -> (Option<BigRational>, Option<BigRational>) {
    let cap = s.cap.map(pct);
    let mut total = BigRational::zero();
    let mut sum = BigRational::zero();
    let mut gate_closed = false;
    for (k, w) in &s.weights {
        let kpi = e.kpis.iter().find(|r| r.name == kpi_name(*k)).unwrap();
        let r = kpi.rows.iter().find(|r| r.period == row.period && r.entity == vec![row.entity.clone()]);
        // Every KPI reads the one source, so a manager with a scorecard row
        // is present for all of them: a KPI without a value counts 0.
        let counted: Option<BigRational> = match r.and_then(|r| r.actual.map(|a| (a, r))) {
            None => Some(BigRational::zero()),
            Some((a, r)) => {
                let a = dec(a);
                let att = match r.target.unwrap() {
                    TargetValue::AtLeast { value } if value > 0.0 => Some(a / dec(value)),
                    TargetValue::AtMost { value } if !a.is_zero() && value >= 0.0 => Some(dec(value) / a),
                    _ => None,
                };
                Some(match att {
                    Some(x) if x.is_negative() => BigRational::zero(),
                    Some(x) => match &cap {
                        Some(c) => x.min(c.clone()),
                        None => x,
                    },
                    None if r.status == Status::Met => cap.clone().unwrap_or(BigRational::from_integer(1.into())),
                    None => BigRational::zero(),
                })
            }
        };
        if s.gate && *k == Kpi::Revenue {
            gate_closed = r.is_none_or(|r| matches!(r.status, Status::Missed | Status::NoData));
        }
        if let Some(c) = counted {
            total += pct(*w);
            sum += pct(*w) * c;
        }
    }
    if total.is_zero() {
        return (None, None);
    }
    let score = sum / total;
    let k = if gate_closed { BigRational::zero() } else { payout(s.curve.as_ref(), &score) };
    (Some(score), Some(k))
}

fn payout(c: Option<&Curve>, s: &BigRational) -> BigRational {
    let Some(c) = c else { return s.clone() };
    let (lo, hi) = (pct(c.lo), pct(c.hi));
    if *s < lo {
        pct(c.floor)
    } else if *s >= hi {
        pct(c.top)
    } else {
        pct(c.at_lo) + (s - &lo) / (hi - lo.clone()) * (pct(c.at_hi) - pct(c.at_lo))
    }
}

#[test]
fn the_generated_specs_check_clean() {
    let s = Scenario {
        orders: vec![Order { manager: 0, month: 1, day: 2, amount: 33, paid: true, city: None }],
        weights: vec![(Kpi::Revenue, 70), (Kpi::Refunds, 30)],
        cap: Some(150),
        missing_zero: false,
        gate: true,
        curve: Some(Curve { lo: 80, hi: 150, floor: 0, at_lo: 50, at_hi: 100, top: 150 }),
        revenue_target: 1,
        orders_target: 1,
        share_target: 40,
        refunds_target: 1,
    };
    let checked = kpic::check_text("spec.kpi", &s.spec());
    assert!(checked.diagnostics.is_empty(), "{:?}\n{}", checked.diagnostics, s.spec());
}
