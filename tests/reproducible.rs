//! The same spec on the same data prints the same bytes, whatever the number of
//! threads, the batch size, the order of the rows or the file format
//! (docs/evaluation.md, "Reading data"): people diff these outputs in CI and
//! are paid on them. Float, percent and duration sums are where this used to
//! fail: polars adds floats in an order that depends on how rows are split.

mod common;

use std::path::Path;
use std::process::Command;

const SPEC: &str = r#"
source orders from "orders.csv" {
  time day: date
  manager: text
  wait:    duration(minutes)
  score:   float
  share:   percent
  amount:  money(RUB)
}

kpi wait_avg { metric avg(orders.wait) per month by manager target <= 30 minutes }
kpi wait_total { metric sum(orders.wait) per month by manager target <= 100000 hours }
kpi score_total { metric sum(orders.score) per month by manager target >= 1000 }
kpi score_avg { metric avg(orders.score) per month target >= 1 }
kpi share_avg { metric avg(orders.share) per month by manager target >= 40% }
kpi revenue { metric sum(orders.amount) per month by manager target >= 1_000_000 RUB }
kpi check_size { metric sum(orders.amount) / count(orders) per quarter target >= 500 RUB }
"#;

const ROWS: usize = 120_000;

/// Rows from a fixed generator: (day, manager, wait, score, share, amount) as CSV text.
fn rows() -> Vec<String> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..ROWS)
        .map(|_| {
            let (a, b, c) = (next(), next(), next());
            let day = 1 + a % 90;
            let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(day as i64 - 1);
            let manager = ["Anna", "Boris", "Clara", "Dmitry", "Egor"][(b % 5) as usize];
            let wait = (c % 600_000) as f64 / 1000.0;
            let score = (a % 1_000_000_007) as f64 / 7.0 - 70_000.0;
            let share = (b % 10_000) as f64 / 100.0;
            let amount = (c % 10_000_000) as f64 / 100.0;
            format!("{date},{manager},{wait},{score},{share},{amount}")
        })
        .collect()
}

fn write_csv(path: &Path, rows: &[String]) {
    let mut text = String::from("day,manager,wait,score,share,amount\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn eval(dir: &Path, data: &str, threads: &str, batch_mb: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kpic"));
    cmd.current_dir(dir)
        .args(["eval", "spec.kpi", "--format", "json", "--quiet", &format!("--data=orders={data}")])
        .env("POLARS_MAX_THREADS", threads)
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1");
    match batch_mb {
        Some(mb) => cmd.env("KPIC_BATCH_MB", mb),
        None => cmd.env_remove("KPIC_BATCH_MB"),
    };
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", common::transcript(&out));
    out.stdout
}

#[test]
fn same_bytes_whatever_threads_batches_order_and_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.kpi"), SPEC).unwrap();
    let mut rows = rows();
    write_csv(&dir.path().join("orders.csv"), &rows);
    common::parquet_copy(&dir.path().join("orders.csv"), "day", &dir.path().join("orders.parquet"));
    rows.reverse();
    rows.swap(0, ROWS / 2);
    write_csv(&dir.path().join("shuffled.csv"), &rows);

    let reference = eval(dir.path(), "orders.csv", "1", None);
    let text = String::from_utf8_lossy(&reference);
    assert!(text.contains("\"name\": \"wait_avg\"") && text.contains("\"actual\""), "{text}");
    for data in ["orders.csv", "shuffled.csv", "orders.parquet"] {
        for threads in ["1", "2", "3"] {
            for batch in [None, Some("1")] {
                let got = eval(dir.path(), data, threads, batch);
                assert!(
                    got == reference,
                    "{data} with {threads} threads and batches of {batch:?} MB differs:\n{}",
                    first_difference(&reference, &got)
                );
            }
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    match a.lines().zip(b.lines()).find(|(x, y)| x != y) {
        Some((x, y)) => format!("  expected {x}\n  got      {y}"),
        None => format!("lengths {} and {}", a.len(), b.len()),
    }
}
