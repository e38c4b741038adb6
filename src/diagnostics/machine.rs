//! Diagnostics for machines: GitHub Actions workflow commands and SARIF 2.1.0.

use super::render::location;
use super::{Code, Diagnostic, Severity};
use crate::span::SourceMap;
use serde_json::{json, Value};

/// One GitHub Actions workflow command per diagnostic:
/// `::error file=..,line=..,col=..,endLine=..,endColumn=..,title=CODE::message`.
pub fn github(diag: &Diagnostic, sources: &SourceMap) -> String {
    let loc = location(&diag.primary, sources);
    let kind = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = diag.message.clone();
    if let Some(help) = &diag.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        property(&loc.file),
        loc.start.line,
        loc.start.column,
        loc.end.line,
        loc.end.column,
        property(&format!("{} {}", diag.code.as_str(), diag.code.name())),
        data(&message)
    )
}

/// Escaping of a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping of a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A SARIF 2.1.0 log of one run: every code as a rule, every diagnostic as a result.
pub fn sarif(diags: &[(Diagnostic, &SourceMap)]) -> Value {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "name": c.name(),
                "shortDescription": { "text": c.summary() },
                "fullDescription": { "text": c.explanation() },
                "help": { "text": c.explanation(), "markdown": super::codes::page(*c) },
                "defaultConfiguration": { "level": level(c.severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|(d, sources)| {
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let mut v = physical(&location(l, sources));
                    v["id"] = json!(i);
                    v["message"] = json!({ "text": l.message });
                    v
                })
                .collect();
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": message },
                "locations": [physical(&location(&d.primary, sources))],
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "kpic",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/kpic/kpic",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn physical(loc: &super::render::JsonLocation) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": loc.file.replace('\\', "/") },
            "region": {
                "startLine": loc.start.line,
                "startColumn": loc.start.column,
                "endLine": loc.end.line,
                "endColumn": loc.end.column.max(if loc.end.line == loc.start.line { loc.start.column + 1 } else { 1 }),
            }
        }
    })
}
