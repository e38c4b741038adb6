//! The documentation is checked against the code it documents.

use kpic::diagnostics::{codes, Code};

/// The index table of docs/diagnostics/README.md, one row per code.
fn index_table() -> String {
    let mut out = String::from("| code | name | severity | what it flags |\n|---|---|---|---|\n");
    for code in Code::ALL {
        let severity = if code.severity() == kpic::diagnostics::Severity::Error { "error" } else { "warning" };
        let summary = code.summary();
        let mut first = summary.chars();
        let summary: String = first.next().map(|c| c.to_uppercase().chain(first).collect()).unwrap_or_default();
        out.push_str(&format!("| [{c}]({c}.md) | {} | {severity} | {summary}. |\n", code.name(), c = code.as_str()));
    }
    out
}

/// docs/diagnostics/ is generated from the code table: a page per code and the
/// index. `KPIC_BLESS_DOCS=1 cargo test --test docs` writes them anew.
#[test]
fn every_code_has_its_page() {
    let bless = std::env::var_os("KPIC_BLESS_DOCS").is_some();
    let index_path = "docs/diagnostics/README.md";
    let index = std::fs::read_to_string(index_path).unwrap();
    let start = index.find("| code |").expect("index table");
    let end = index[start..].find("\n\n").map_or(index.len(), |e| start + e + 1);
    let expected = format!("{}{}{}", &index[..start], index_table(), &index[end..]);
    if bless {
        std::fs::write(index_path, &expected).unwrap();
        for code in Code::ALL {
            std::fs::write(format!("docs/diagnostics/{}.md", code.as_str()), codes::page(*code)).unwrap();
        }
        return;
    }
    assert_eq!(
        index, expected,
        "{index_path} differs from the code table; run KPIC_BLESS_DOCS=1 cargo test --test docs"
    );
    for code in Code::ALL {
        let path = format!("docs/diagnostics/{}.md", code.as_str());
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {path}"));
        assert_eq!(page, codes::page(*code), "{path} differs from `kpic explain {}`; regenerate it", code.as_str());
    }
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let block: Vec<&str> = readme.lines().skip_while(|l| !l.starts_with("```sh")).skip(1).take(2).collect();
    assert!(block[0].starts_with("cargo run --release --locked -- eval examples/"), "{block:?}");
    assert!(block[1].starts_with("cargo test --locked"), "{block:?}");
}

/// Every `kpi` code block in the docs and the README is valid syntax (names in a
/// fragment may refer to declarations shown elsewhere).
#[test]
fn kpi_blocks_in_docs_parse() {
    let mut files = vec![std::path::PathBuf::from("README.md")];
    for entry in std::fs::read_dir("docs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut blocks = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for block in text.split("```kpi\n").skip(1) {
            let code = block.split("```").next().unwrap();
            let (_, diags) = kpic::syntax::parse(kpic::span::FileId(0), code);
            let errors: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
            assert!(errors.is_empty(), "{}: a kpi block does not parse: {errors:?}\n{code}", file.display());
            blocks += 1;
        }
    }
    assert!(blocks >= 10, "only {blocks} kpi blocks found");
}

/// The first code block after each `## kpic CMD` heading of docs/cli.md is the
/// command's `--help`. `KPIC_BLESS_DOCS=1 cargo test --test docs` rewrites them.
#[test]
fn cli_page_shows_the_real_help() {
    let path = "docs/cli.md";
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut rest = text.as_str();
    let mut commands = 0;
    while let Some(at) = rest.find("\n## kpic ") {
        let heading_end = at + rest[at..][1..].find('\n').unwrap() + 1;
        let command = rest[at + "\n## kpic ".len()..heading_end].trim().to_string();
        let open = heading_end + rest[heading_end..].find("```\n").unwrap() + 4;
        let close = open + rest[open..].find("```\n").unwrap();
        let help =
            std::process::Command::new(env!("CARGO_BIN_EXE_kpic")).args([command.as_str(), "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        let help: String = help.lines().map(|l| format!("{}\n", l.trim_end())).collect();
        out.push_str(&rest[..open]);
        out.push_str(&help);
        rest = &rest[close..];
        commands += 1;
    }
    out.push_str(rest);
    if std::env::var_os("KPIC_BLESS_DOCS").is_some() {
        std::fs::write(path, &out).unwrap();
        return;
    }
    assert!(commands >= 9, "only {commands} commands documented");
    assert_eq!(
        text, out,
        "{path}: a help block differs from `kpic CMD --help`; run KPIC_BLESS_DOCS=1 cargo test --test docs"
    );
}

/// A page the README links to is there and says something: a script once
/// truncated docs/evaluation.md, the contract of every number, and nothing failed.
#[test]
fn every_page_has_its_content() {
    for entry in std::fs::read_dir("docs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.lines().count() >= 20, "{} is (nearly) empty", path.display());
        }
    }
    let evaluation = std::fs::read_to_string("docs/evaluation.md").unwrap();
    for heading in ["## Doing nothing is a value", "## Arithmetic", "## Attainment, status, gap", "## Output"] {
        assert!(evaluation.contains(heading), "docs/evaluation.md lost `{heading}`");
    }
}

/// The pages with transcripts: README.md and every page under docs/.
fn pages() -> Vec<std::path::PathBuf> {
    let mut pages = vec![std::path::PathBuf::from("README.md")];
    for entry in walkdir::WalkDir::new("docs").sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            pages.push(entry.path().to_path_buf());
        }
    }
    pages
}

/// The ```` ```console ```` blocks of a page, with the line each starts on.
fn console_blocks(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_end() == "```console" => current = Some((i + 1, Vec::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, lines)) => lines.push(line.to_string()),
        }
    }
    blocks
}

/// Whether `got` is what `want` shows: line by line, trailing spaces aside,
/// a line `...` standing for any number of lines.
fn shows(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w.trim() == "..." => (0..=got.len()).any(|skip| shows(rest, &got[skip..])),
        Some((w, rest)) => got.first().is_some_and(|g| g.trim_end() == w.trim_end()) && shows(rest, &got[1..]),
    }
}

/// Every ```` ```console ```` block in README.md and docs/ is a transcript
/// that must stay true: each `$ kpic ...` line is run from the repository's
/// root (no colour, no terminal, reports dated by `SOURCE_DATE_EPOCH`), and
/// what it prints (standard output, then standard error) must be the lines
/// the block shows after it, where `...` stands for lines left out; a last
/// line `[exit N]` is the exit code it must end with (0 when there is none).
#[test]
fn console_blocks_show_what_kpic_prints() {
    let mut runs = 0;
    let mut wrong = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (line, block) in console_blocks(&text) {
            let mut i = 0;
            while i < block.len() {
                let Some(command) = block[i].strip_prefix("$ ") else {
                    wrong.push(format!("{}:{}: a transcript starts with `$ kpic ...`", page.display(), line + i + 1));
                    break;
                };
                let end = (i + 1..block.len()).find(|j| block[*j].starts_with("$ ")).unwrap_or(block.len());
                let mut want: Vec<String> = block[i + 1..end].to_vec();
                let exit = match want.last().and_then(|l| l.strip_prefix("[exit ")).and_then(|l| l.strip_suffix(']')) {
                    Some(code) => {
                        let code = code.parse::<i32>().expect("[exit N] with a number");
                        want.pop();
                        code
                    }
                    None => 0,
                };
                let words: Vec<&str> = command.split_whitespace().collect();
                assert_eq!(words[0], "kpic", "{}:{}: only kpic commands run", page.display(), line + i + 1);
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"))
                    .args(&words[1..])
                    .env("NO_COLOR", "1")
                    .env("SOURCE_DATE_EPOCH", "1764547200")
                    .env_remove("COLUMNS")
                    .env_remove("CLICOLOR_FORCE")
                    .output()
                    .unwrap();
                let printed =
                    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                let got: Vec<&str> = printed.trim_end_matches('\n').lines().collect();
                if !shows(&want, &got) || out.status.code() != Some(exit) {
                    wrong.push(format!(
                        "{}:{}: `{command}` exits {:?} (the page says {exit}) and prints:\n{printed}",
                        page.display(),
                        line + i + 1,
                        out.status.code()
                    ));
                }
                runs += 1;
                i = end;
            }
        }
    }
    assert!(runs >= 5, "only {runs} transcripts in the docs");
    assert!(wrong.is_empty(), "transcripts that are no longer true:\n{}", wrong.join("\n"));
}

#[test]
fn the_transcript_matcher_sees_a_difference() {
    let want: Vec<String> = ["a", "...", "d"].map(String::from).to_vec();
    assert!(shows(&want, &["a", "b", "c", "d"]));
    assert!(shows(&want, &["a", "d"]));
    assert!(!shows(&want, &["a", "b", "c"]));
    assert!(!shows(&want, &["x", "d"]));
}
