//! The HTML report in a real browser: headless Chromium (Debian's `chromium`)
//! driven by playwright-core through tests/tools/check_report.mjs, which fails
//! on console or page errors, on network requests, and on charts that are
//! missing, have no size or draw nothing.
//!
//! `.ci/setup` installs Chromium and playwright-core; without them this test
//! fails. `KPIC_SKIP_BROWSER=1` skips it (loudly) on machines without them,
//! and fails when CI is set.
//! `KPIC_UPDATE_SCREENSHOT=1` also writes docs/report.png, the README's picture.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CHECKER: &str = "tests/tools/check_report.mjs";

/// Chromium and the node directory with playwright-core, or why not. `None`
/// when the browser tests are skipped on purpose.
fn browser() -> Option<(PathBuf, PathBuf)> {
    if common::skipped("KPIC_SKIP_BROWSER", "the HTML report was not checked in a browser") {
        return None;
    }
    let chromium = PathBuf::from(std::env::var("KPIC_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let home = std::env::var("HOME").unwrap_or_default();
    let node_dir =
        std::env::var("KPIC_NODE_DIR").map_or_else(|_| Path::new(&home).join(".cache/kpic/node"), PathBuf::from);
    let setup = "run `bash .ci/setup` to install them, or set KPIC_SKIP_BROWSER=1 to skip this test";
    assert!(chromium.exists(), "no Chromium at {}: {setup}", chromium.display());
    assert!(
        node_dir.join("node_modules/playwright-core").exists(),
        "no playwright-core in {}: {setup}",
        node_dir.display()
    );
    Some((chromium, node_dir))
}

/// Run the checker on `report`, killed after two minutes.
fn check(report: &Path, screenshot: &Path, charts: usize, first_screen: Option<&Path>) -> Output {
    let (chromium, node_dir) = browser().expect("checked by the caller");
    let mut cmd = Command::new("node");
    cmd.arg(CHECKER).arg(report).arg(screenshot).arg(charts.to_string());
    if let Some(p) = first_screen {
        cmd.arg(p);
    }
    let mut child = cmd
        .env("KPIC_CHROMIUM", chromium)
        .env("KPIC_NODE_DIR", node_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (the nodejs package)");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("the browser check took more than two minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn example_report_renders_in_chromium() {
    if browser().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let made = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(["report", "examples/sales.kpi", "-o", report.to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "1751360400")
        .output()
        .unwrap();
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let html = std::fs::read_to_string(&report).unwrap();
    let charts = html.matches("data-chart=").count();
    // Nine KPIs (three of them bullets), a scorecard of ten managers, two cascades.
    assert!(charts > 80, "{charts} charts");

    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (full, first) = (out_dir.join("report-full.png"), out_dir.join("report.png"));
    let _ = std::fs::remove_file(&full);
    let out = check(&report, &full, charts, Some(&first));
    assert!(out.status.success(), "the report does not render cleanly:\n{}{}", text(&out.stdout), text(&out.stderr));
    for shot in [&full, &first] {
        let png = std::fs::read(shot).unwrap_or_else(|_| panic!("no screenshot {}", shot.display()));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{} is no screenshot", shot.display());
    }
    eprintln!("screenshots: {} and {}", full.display(), first.display());
    if std::env::var("KPIC_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        std::fs::copy(&first, "docs/report.png").unwrap();
    }
}

/// The checker itself fails on what it is there to catch.
#[test]
fn checker_fails_on_a_broken_page() {
    if browser().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">\
         </head><body><script>1</script>\
         <svg data-chart=\"trend\" width=\"0\" height=\"0\"><rect width=\"5\" height=\"5\"/></svg>\
         <svg data-chart=\"bullet\" width=\"50\" height=\"10\"></svg></body></html>",
    )
    .unwrap();
    let out = check(&page, &dir.path().join("broken.png"), 3, None);
    let why = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{why}");
    assert!(why.contains("console error"), "{why}");
    assert!(why.contains("expected 3 charts, the page has 2"), "{why}");
    assert!(why.contains("chart trend") && why.contains("has no size"), "{why}");
    assert!(why.contains("chart bullet") && why.contains("draws nothing"), "{why}");
}
