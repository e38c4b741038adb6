//! The catalogue of bad inputs: `tests/fixtures/bad/<case>/` holds a spec, the
//! data it reads and `expect`, the documented outcome. Every case runs the binary
//! with a deadline; none may panic, hang or end on a signal, each must exit with
//! its code and say what its `expect` says. docs/bad-inputs.md is generated from
//! the same files (`KPIC_BLESS_DOCS=1 cargo test --test bad_inputs` rewrites it).

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut trials = vec![Trial::test("catalogue_page_lists_every_case", catalogue_page_lists_every_case)];
    for case in cases {
        trials.push(Trial::test(format!("bad::{}", case.name), move || has_its_documented_outcome(&case)));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

const DEADLINE: Duration = Duration::from_secs(120);

struct Case {
    name: String,
    dir: PathBuf,
    about: String,
    command: String,
    exit: i32,
    stderr: Vec<String>,
    stdout: Vec<String>,
    /// Symbolic links (path, target) made in a copy of the case before it runs.
    links: Vec<(String, String)>,
}

fn cases() -> Vec<Case> {
    let root = Path::new("tests/fixtures/bad");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs.into_iter().map(|dir| parse(&dir)).collect()
}

fn parse(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let text = std::fs::read_to_string(dir.join("expect")).unwrap_or_else(|_| panic!("{name}: no expect file"));
    let mut case = Case {
        name: name.clone(),
        dir: dir.to_path_buf(),
        about: String::new(),
        command: "eval spec.kpi --format csv".into(),
        exit: -1,
        stderr: Vec::new(),
        stdout: Vec::new(),
        links: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line.split_once(": ").unwrap_or_else(|| panic!("{name}: `{line}` is not `key: value`"));
        let value = value.replace("\\n", "\n");
        match key {
            "about" => case.about = value,
            "command" => case.command = value,
            "exit" => case.exit = value.parse().unwrap(),
            "stderr" => case.stderr.push(value),
            "stdout" => case.stdout.push(value),
            "link" => {
                let (path, target) = value.split_once(" -> ").expect("link: PATH -> TARGET");
                case.links.push((path.to_string(), target.to_string()));
            }
            other => panic!("{name}: unknown key `{other}`"),
        }
    }
    assert!(case.exit >= 0 && !case.about.is_empty(), "{name}: `about` and `exit` are required");
    assert!(!case.stderr.is_empty() || !case.stdout.is_empty(), "{name}: expects no output at all");
    case
}

/// Run kpic in the case's directory; `{big}` in the command is a 100 MB spec.
fn run(case: &Case, scratch: &Path) -> (i32, String, String) {
    let big = scratch.join("big.kpi");
    if case.command.contains("{big}") && !big.exists() {
        let line = "// padding that makes the spec one hundred megabytes long, line after line\n";
        std::fs::write(&big, line.repeat(100 * 1024 * 1024 / line.len())).unwrap();
    }
    let args: Vec<String> =
        case.command.split_whitespace().map(|a| a.replace("{big}", big.to_str().unwrap())).collect();
    let dir = if case.links.is_empty() { case.dir.clone() } else { linked_copy(case, scratch) };
    let out_path = scratch.join(format!("{}.out", case.name));
    let err_path = scratch.join(format!("{}.err", case.name));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(&args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{}: still running after {DEADLINE:?}", case.name);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Absolute paths (the project root in E009) differ between checkouts.
    let repo = std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
    let scratch_real = std::fs::canonicalize(scratch).unwrap();
    let read = |p: &Path| {
        String::from_utf8_lossy(&std::fs::read(p).unwrap())
            .replace(scratch_real.to_str().unwrap(), "TMP")
            .replace(scratch.to_str().unwrap(), "TMP")
            .replace(repo.to_str().unwrap(), "ROOT")
    };
    let code = status.code().unwrap_or_else(|| panic!("{}: ended by a signal: {status}", case.name));
    (code, read(&out_path), read(&err_path))
}

/// The case's files copied to the scratch directory, with its links made there.
fn linked_copy(case: &Case, scratch: &Path) -> PathBuf {
    let dir = scratch.join(&case.name);
    for entry in std::fs::read_dir(&case.dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    for (path, target) in &case.links {
        let link = dir.join(path);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, link).unwrap();
    }
    dir
}

/// The case runs without a panic, a hang or a signal, exits with its code and
/// says what its `expect` says.
fn has_its_documented_outcome(case: &Case) -> Result<(), Failed> {
    let scratch = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(case, scratch.path());
    let name = &case.name;
    assert_ne!(code, 101, "{name}: kpic panicked:\n{stderr}");
    assert_eq!(code, case.exit, "{name}: exit code\n--- stdout\n{stdout}--- stderr\n{stderr}");
    for want in &case.stderr {
        assert!(flat(&stderr).contains(&flat(want)), "{name}: stderr lacks `{want}`:\n{stderr}");
    }
    for want in &case.stdout {
        assert!(stdout.contains(want.as_str()), "{name}: stdout lacks `{want}`:\n{stdout}");
    }
    insta::assert_snapshot!(format!("bad__{name}"), format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}"));
    Ok(())
}

/// Text with its line wraps undone: miette wraps long messages, continuing them
/// after a `│` gutter.
fn flat(s: &str) -> String {
    s.split_whitespace().filter(|w| *w != "│").collect::<Vec<_>>().join(" ")
}

/// The catalogue page lists every case with its outcome.
fn catalogue_page_lists_every_case() -> Result<(), Failed> {
    let mut table = String::from("| case | input | command | outcome |\n|---|---|---|---|\n");
    for case in cases() {
        let outcome = match case.exit {
            0 => match case.stderr.first() {
                Some(w) => format!("evaluates, with `{}`", w),
                None => "evaluates".to_string(),
            },
            code => {
                let what = case.stderr.iter().skip(1).map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
                let first = case.stderr.first().cloned().unwrap_or_default();
                if first.starts_with('E') || first.starts_with('W') {
                    format!("exit {code}: [{first}](diagnostics/{first}.md) {what}")
                } else {
                    format!("exit {code}: \"{first}\"")
                }
            }
        };
        table.push_str(&format!(
            "| [{}](../tests/fixtures/bad/{}) | {} | `kpic {}` | {} |\n",
            case.name,
            case.name,
            case.about,
            case.command.replace('|', "\\|"),
            outcome.replace('|', "\\|")
        ));
    }
    let path = "docs/bad-inputs.md";
    let page = std::fs::read_to_string(path).unwrap_or_default();
    let start = page.find("| case |").unwrap_or(page.len());
    let end = page[start..].find("\n\n").map_or(page.len(), |e| start + e + 1);
    let expected = format!("{}{}{}", &page[..start], table, &page[end..]);
    if std::env::var_os("KPIC_BLESS_DOCS").is_some() {
        std::fs::write(path, &expected).unwrap();
        return Ok(());
    }
    assert_eq!(page, expected, "{path} is out of date: KPIC_BLESS_DOCS=1 cargo test --test bad_inputs");
    Ok(())
}
