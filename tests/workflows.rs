//! The GitHub workflows, the action and the workflow docs/ci.md shows are
//! checked by actionlint (installed by `.ci/setup`): workflow syntax, `${{ }}`
//! expressions, the inputs and outputs of every action a step uses, runner
//! labels, and shellcheck on every `run:` script. Nothing here can run a
//! workflow; this is what can be known without.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SKIP: &str = "KPIC_SKIP_ACTIONLINT";

/// Whether actionlint is there to run. `KPIC_SKIP_ACTIONLINT=1` skips on
/// purpose; a missing actionlint skips loudly on a developer's machine and
/// fails when CI is set.
fn have_actionlint() -> bool {
    if common::skipped(SKIP, "the workflows and action.yml were not checked by actionlint") {
        return false;
    }
    if Command::new("actionlint").arg("-version").output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "CI must provide actionlint: `bash .ci/setup` installs it");
    eprintln!("SKIPPED: actionlint is missing: `bash .ci/setup` installs it ({SKIP}=1 skips on purpose)");
    false
}

fn actionlint(files: &[PathBuf]) -> Output {
    Command::new("actionlint").arg("-no-color").args(files).output().expect("actionlint runs")
}

fn report(out: &Output) -> String {
    format!("{}{}", common::stdout(out), common::stderr(out))
}

/// Every file in `.github/workflows/`.
#[test]
fn workflows_pass_actionlint() {
    if !have_actionlint() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.contains(&"ci.yml".into()) && names.contains(&"release.yml".into()), "{names:?}");
    let out = actionlint(&files);
    assert!(out.status.success(), "actionlint found problems in .github/workflows:\n{}", report(&out));
}

/// actionlint reads a local action's metadata where a workflow uses it (`uses:
/// ./`): its name, description and `runs`, the inputs a step gives and the
/// outputs it reads. `workflow` is checked in a copy of the repository's layout
/// with `action` as action.yml.
fn lint_with_action(action: &str, workflow: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    // actionlint takes a directory with `.git` and `.github/workflows` as a repository.
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::write(dir.path().join("action.yml"), action).unwrap();
    let file = dir.path().join(".github/workflows/kpi.yml");
    std::fs::write(&file, workflow).unwrap();
    actionlint(&[file])
}

fn action_yml() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap()
}

/// action.yml with both of its inputs and its output in use, and two broken
/// variants that show the check is real.
#[test]
fn action_passes_actionlint() {
    if !have_actionlint() {
        return;
    }
    let action = action_yml();
    let workflow = "on: pull_request
jobs:
  kpi:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v7
      - uses: ./
        id: kpic
        with:
          version: 0.1.0
          args: check kpi/ --format github
      - run: echo \"kpic $VERSION\"
        env:
          VERSION: ${{ steps.kpic.outputs.version }}
";
    let out = lint_with_action(&action, workflow);
    assert!(out.status.success(), "actionlint found problems in action.yml:\n{}", report(&out));

    let no_description: String =
        action.lines().filter(|l| !l.starts_with("description:")).map(|l| l.to_owned() + "\n").collect();
    assert_ne!(no_description, action, "action.yml has a top-level description");
    let out = lint_with_action(&no_description, workflow);
    assert!(!out.status.success() && report(&out).contains("description is required"), "{}", report(&out));

    let out = lint_with_action(&action, &workflow.replace("args:", "arguments:"));
    assert!(!out.status.success() && report(&out).contains("\"arguments\" is not defined"), "{}", report(&out));
}

/// The workflow docs/ci.md tells users to copy, with its `uses: OWNER/kpic@...`
/// pointed at this action.yml.
#[test]
fn documented_workflow_passes_actionlint() {
    if !have_actionlint() {
        return;
    }
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let block = doc
        .split("```yaml\n")
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.starts_with("# .github/workflows/kpi.yml"))
        .expect("docs/ci.md has a workflow block starting `# .github/workflows/kpi.yml`");
    let uses =
        block.lines().find_map(|l| l.trim().strip_prefix("uses: OWNER/kpic@")).expect("the workflow uses the action");
    let workflow = block.replace(&format!("OWNER/kpic@{uses}"), "./");
    let out = lint_with_action(&action_yml(), &workflow);
    assert!(out.status.success(), "actionlint found problems in the workflow of docs/ci.md:\n{}", report(&out));
}
