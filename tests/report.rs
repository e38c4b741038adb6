//! The reports people look at: the HTML report and the terminal view.
//!
//! The HTML is snapshotted as an outline (elements, classes, text, chart
//! tooltips; no coordinates) with the generation time fixed; the findings of
//! the story fixture are checked against the hand arithmetic of its README.

use kpic::eval::trends::{self, History, Kind, Move};
use kpic::eval::{Evaluation, Window};
use kpic::report::html::{html, Meta};
use kpic::report::Style;
use std::path::Path;
use std::process::{Command, Output};

const STORY: &str = "tests/fixtures/report/story/spec.kpi";
/// 2025-07-01 09:00 UTC: the generation time of every snapshot.
const EPOCH: &str = "1751360400";

/// All periods of a spec, evaluated.
fn evaluate(spec: &str) -> Evaluation {
    let checked = kpic::check_spec(Path::new(spec), &|p| std::fs::read(p)).unwrap();
    assert!(!checked.has_errors(), "{spec} has errors");
    let plan = kpic::lower(&checked, &kpic::Selection::default()).unwrap();
    kpic::run_and_evaluate(&checked, &plan, &Window::default(), &kpic::eval::Quiet).unwrap()
}

fn window(from: Option<&str>, to: Option<&str>) -> Window {
    let day = |p: &str| kpic::eval::period::parse(p).unwrap();
    Window { from: from.map(|p| day(p).start), until: to.map(|p| day(p).end()) }
}

fn meta(spec: &str) -> Meta {
    Meta {
        spec: spec.into(),
        data: vec![("sales".into(), "tests/fixtures/report/story/data/sales.csv".into())],
        generated: "2025-07-01 09:00 UTC".into(),
    }
}

fn kpic(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("NO_COLOR")
        .output()
        .expect("kpic runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The structure of a page: an element a line (tag, class, id, data-chart,
/// href, style), indented by depth, its text in quotes. An `svg` is one line
/// with the count of each element it draws, then its titles (the tooltips, with
/// the numbers); stylesheets are left out.
fn outline(html: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let text = rest[..start].trim();
        if !text.is_empty() {
            out.push_str(&format!("{}\"{text}\"\n", "  ".repeat(depth)));
        }
        let end = rest[start..].find('>').expect("tags close") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert!(depth > 0, "</{name}> closes nothing");
            depth -= 1;
            continue;
        }
        let name = tag.split_whitespace().next().unwrap().trim_end_matches('/');
        let mut line = format!("{}{name}", "  ".repeat(depth));
        for attr in ["class", "id", "data-chart", "href", "style"] {
            if let Some(v) = attribute(tag, attr) {
                line.push_str(&format!(" {attr}={v}"));
            }
        }
        out.push_str(&line);
        out.push('\n');
        if name == "style" {
            rest = &rest[rest.find("</style>").unwrap() + "</style>".len()..];
        } else if name == "svg" {
            let close = rest.find("</svg>").unwrap();
            out.push_str(&svg_summary(&rest[..close], depth + 1));
            rest = &rest[close + "</svg>".len()..];
        } else if !(tag.ends_with('/') || matches!(name, "meta" | "br")) {
            depth += 1;
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    out
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

fn svg_summary(svg: &str, depth: usize) -> String {
    let mut counts = std::collections::BTreeMap::new();
    let mut titles = Vec::new();
    for piece in svg.split('<').skip(1) {
        let name = piece.split(|c: char| c.is_whitespace() || c == '>' || c == '/').next().unwrap();
        if name.is_empty() || piece.starts_with('/') {
            continue;
        }
        *counts.entry(name.to_string()).or_insert(0) += 1;
        if name == "title" {
            titles.push(piece.split_once('>').unwrap().1.to_string());
        }
    }
    let indent = "  ".repeat(depth);
    let counts: Vec<String> = counts.iter().map(|(k, v)| format!("{k}×{v}")).collect();
    let mut out = format!("{indent}({})\n", counts.join(" "));
    for t in titles {
        out.push_str(&format!("{indent}title \"{t}\"\n"));
    }
    out
}

#[test]
fn html_report_of_the_story_fixture() {
    let all = evaluate(STORY);
    let page = html(&meta(STORY), &all, &History::new(&all));
    insta::assert_snapshot!(outline(&page));
}

#[test]
fn html_report_is_self_contained_and_printable() {
    let all = evaluate(STORY);
    let page = html(&meta(STORY), &all, &History::new(&all));
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    // Nothing to fetch: no scripts, links, images or URLs; a policy that forbids them.
    for banned in ["<script", "<link", "<img", "src=", "http:", "https:", "url("] {
        assert!(!page.contains(banned), "the report contains `{banned}`");
    }
    assert!(page.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;; style-src"));
    assert!(page.contains("@media print"));
    // Four KPIs: two bullets and trends without `by`, two attainment charts and
    // six small trends (three managers each); a score line per manager; a cascade.
    assert_eq!(page.matches("data-chart=\"bullet\"").count(), 2);
    assert_eq!(page.matches("data-chart=\"attainment\"").count(), 2);
    assert_eq!(page.matches("data-chart=\"trend\"").count(), 2 + 6);
    assert_eq!(page.matches("data-chart=\"spark\"").count(), 3);
    assert_eq!(page.matches("data-chart=\"cascade\"").count(), 1);
}

#[test]
fn html_escapes_text_from_specs_and_data() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.csv"),
        "day,who,n\n2025-01-02,\"<img src=x onerror=alert(1)>\",1\n2025-01-03,\"Tom & \"\"Jerry\"\"\",2\n",
    )
    .unwrap();
    let spec = dir.path().join("x.kpi");
    std::fs::write(
        &spec,
        "source s from \"s.csv\" {\n  time day: date\n  who: text\n  n: int\n}\n\n\
         kpi k \"</title><script>alert(1)</script>\" {\n  metric sum(s.n)\n  per month\n  by who\n  target >= 1\n  \
         owner \"<b>boss</b>\"\n}\n",
    )
    .unwrap();
    let out = kpic(&["eval", spec.to_str().unwrap(), "--format", "html"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<b>boss"), "{page}");
    assert!(page.contains("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("Tom &amp; &quot;Jerry&quot;"));
    assert!(page.contains("owner: &lt;b&gt;boss&lt;/b&gt;"));
}

#[test]
fn findings_of_the_story_fixture() {
    let all = evaluate(STORY);
    let history = History::new(&all);
    let said = |eval: &Evaluation| -> Vec<String> {
        let mut lines = Vec::new();
        for k in &eval.kpis {
            for f in trends::findings(&history, k) {
                let who = f.entity.iter().flatten().cloned().collect::<Vec<_>>().join("/");
                let what = match f.kind {
                    Kind::MissedRun { periods, ongoing } => format!("missed {periods} ongoing={ongoing}"),
                    Kind::Outlier { value, low, high } => format!("outlier {value} outside {low}..{high}"),
                    Kind::Steady { direction: Move::Down, steps, from, to } => format!("down {steps} {from}->{to}"),
                    Kind::Steady { direction: Move::Up, steps, from, to } => format!("up {steps} {from}->{to}"),
                };
                lines.push(format!("{} {who} {}..{} {what}", k.name, f.first, f.last));
            }
        }
        lines
    };
    assert_eq!(
        said(&all),
        [
            "company_revenue  2025-08..2025-08 outlier 458 outside 278..332",
            "company_complaints  2025-06..2025-08 missed 3 ongoing=true",
            "company_complaints  2025-01..2025-08 up 7 1->8",
            "revenue_plan Anna 2025-08..2025-08 outlier 300 outside 118..125",
            "revenue_plan Boris 2025-01..2025-08 down 7 130->70",
            "revenue_plan Clara 2025-05..2025-08 missed 4 ongoing=true",
            "complaints_kpi Anna 2025-03..2025-08 missed 6 ongoing=true",
            "complaints_kpi Anna 2025-01..2025-08 up 7 1->8",
        ]
    );
    // A window that ends in July judges each series up to July.
    assert_eq!(
        said(&all.within(&window(None, Some("2025-07")))),
        [
            "company_revenue  2025-04..2025-07 down 3 332->278",
            "company_complaints  2025-01..2025-07 up 6 1->7",
            "revenue_plan Boris 2025-01..2025-07 down 6 130->80",
            "revenue_plan Clara 2025-05..2025-07 missed 3 ongoing=true",
            "revenue_plan Clara 2025-04..2025-07 down 3 110->75",
            "complaints_kpi Anna 2025-03..2025-07 missed 5 ongoing=true",
            "complaints_kpi Anna 2025-01..2025-07 up 6 1->7",
        ]
    );
    // A window that starts in August still sees the runs that reach into it.
    let august = said(&all.within(&window(Some("2025-08"), None)));
    assert_eq!(august, said(&all));
}

#[test]
fn report_command_and_eval_format_html_agree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.html");
    let report = kpic(&["report", STORY, "--from", "2025-03", "-o", out.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let eval = kpic(&["eval", STORY, "--from", "2025-03", "--format", "html"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text(&eval.stdout));
    assert!(text(&eval.stdout).contains("<dd>2025-03 to 2025-08</dd>"));
    assert!(text(&eval.stdout).contains("<dd>2025-07-01 09:00 UTC</dd>"));

    // Without -o, report.html in the working directory.
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join(STORY);
    let default = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(["report", spec.to_str().unwrap()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(default.status.code(), Some(0), "{}", text(&default.stderr));
    assert!(dir.path().join("report.html").exists());
}

#[test]
fn report_errors_are_messages() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("no/such/dir/r.html");
    let out = kpic(&["report", STORY, "-o", nowhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: cannot write "), "{}", text(&out.stderr));
    let bad_time = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(["report", STORY, "-o", dir.path().join("r.html").to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .output()
        .unwrap();
    assert_eq!(bad_time.status.code(), Some(2));
    assert!(
        text(&bad_time.stderr).contains("SOURCE_DATE_EPOCH=`yesterday` is not a number"),
        "{}",
        text(&bad_time.stderr)
    );
    let bad_period = kpic(&["report", STORY, "--period", "2025-13"]);
    assert_eq!(bad_period.status.code(), Some(2));
    assert!(text(&bad_period.stderr).contains("`2025-13` is not a period"));
}

/// The terminal view of the story: piped, so without colour even though
/// NO_COLOR is unset; 80 columns.
#[test]
fn terminal_view_without_colour() {
    let out = kpic(&["eval", STORY, "--period", "2025-08"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let view = text(&out.stdout);
    assert!(!view.contains('\u{1b}'), "colour on a pipe");
    insta::assert_snapshot!(view);
}

#[test]
fn terminal_view_fits_80_columns() {
    let examples = std::fs::read_dir("examples").unwrap().map(|e| e.unwrap().path());
    let specs: Vec<_> = examples.filter(|p| p.extension().is_some_and(|e| e == "kpi")).collect();
    assert!(specs.len() >= 7);
    for spec in specs {
        let all = evaluate(spec.to_str().unwrap());
        let view = kpic::report::table(&all, &History::new(&all), Style::default());
        for line in view.lines() {
            assert!(line.chars().count() <= 80, "{}: {} columns:\n{line}", spec.display(), line.chars().count());
        }
    }
    // The sales example over all its periods: money rounded, the gap left out.
    let all = evaluate("examples/sales.kpi");
    let view = kpic::report::table(&all.within(&window(Some("2025-05"), None)), &History::new(&all), Style::default());
    let revenue = view.split("\n\n").find(|b| b.starts_with("revenue_plan")).unwrap();
    insta::assert_snapshot!(revenue);
    // Wider terminals get the full table.
    let wide = kpic::report::table(&all, &History::new(&all), Style { color: false, width: 140 });
    assert!(wide.contains("+302,767.09 RUB"), "{wide}");
}

#[test]
fn terminal_colours_status_and_keeps_the_words() {
    let all = evaluate(STORY);
    let history = History::new(&all);
    let coloured = kpic::report::table(&all, &history, Style { color: true, width: 80 });
    // Red, then the symbol and the word.
    assert!(coloured.contains("\u{1b}[38;5;9m✗ missed\u{1b}[39m"), "{coloured}");
    let plain = kpic::report::table(&all, &history, Style::default());
    assert!(!plain.contains('\u{1b}'));
    let stripped = strip_ansi(&coloured);
    assert_eq!(stripped.matches("✗ missed").count(), plain.matches("✗ missed").count());
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The README's example is what kpic prints (lines shown, "..." for the ones
/// left out); five employees with the same finding share its line.
#[test]
fn readme_example_is_real_output() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let command = "$ kpic eval examples/subscribers.kpi --period 2025-03 --kpi moscow_growth\n";
    let shown = readme.split(command).nth(1).unwrap().split("```").next().unwrap();
    let out = kpic(&["eval", "examples/subscribers.kpi", "--period", "2025-03", "--kpi", "moscow_growth"]);
    let printed = text(&out.stdout);
    for line in shown.lines().filter(|l| *l != "...") {
        assert!(printed.lines().any(|p| p == line), "README line not printed: {line}\n{printed}");
    }
    assert!(printed.contains("  ✗ Anna, Boris, Daria, Grigory, Vera: missed the last 3 periods in a row\n"));
}
