//! The documentation is checked against the code it documents.

use kpic::diagnostics::{codes, Code};

#[test]
fn every_code_has_its_page() {
    let index = std::fs::read_to_string("docs/diagnostics/README.md").unwrap();
    for code in Code::ALL {
        let path = format!("docs/diagnostics/{}.md", code.as_str());
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {path}"));
        assert_eq!(page, codes::page(*code), "{path} differs from `kpic explain {}`; regenerate it", code.as_str());
        assert!(
            index.contains(&format!("[{}]({}.md)", code.as_str(), code.as_str())),
            "README lacks {}",
            code.as_str()
        );
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
