//! The one Markdown table writer, for the KPI, scorecard, cascade and
//! comparison tables.

/// A GitHub-flavoured Markdown table. `right[i]` aligns column `i` to the
/// right (`---:`); columns past the end of `right` are left-aligned. A `|` in
/// a cell is escaped so it cannot end the cell.
pub fn write(header: &[String], right: &[bool], rows: &[Vec<String>]) -> String {
    let rule: Vec<&str> =
        (0..header.len()).map(|i| if right.get(i).copied().unwrap_or(false) { "---:" } else { "---" }).collect();
    let mut out = format!("| {} |\n| {} |\n", header.join(" | "), rule.join(" | "));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::write;

    #[test]
    fn aligns_and_escapes() {
        let h = ["Name".to_string(), "Actual".to_string()];
        let rows = [vec!["a|b".to_string(), "1".to_string()]];
        assert_eq!(write(&h, &[false, true], &rows), "| Name | Actual |\n| --- | ---: |\n| a\\|b | 1 |\n");
        assert_eq!(write(&h, &[], &[]), "| Name | Actual |\n| --- | --- |\n");
    }
}
