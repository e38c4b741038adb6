//! Cutting a file into top-level declarations before parsing.
//!
//! pest stops at the first error of a parse. To report every broken declaration in
//! one run, the front end first cuts the text at lines that start a declaration
//! (`source`, `filter`, `metric`, `kpi`, `scorecard`, `cascade`, `test`, `import`) outside of
//! any bracket, and parses each piece on its own. A line that starts in column 0 with
//! a declaration keyword also starts a new piece when a bracket is left open, so an
//! unclosed `{` costs one declaration, not the rest of the file.
//!
//! The same scan measures bracket nesting, so that absurdly deep nesting is reported
//! before the recursive-descent parser could exhaust its stack.

/// Deepest bracket nesting the parser accepts.
pub const MAX_DEPTH: usize = 64;

use crate::vocab::keywords::DECLARATION_KEYWORDS;

/// A piece of a file holding (at most) one declaration: byte range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    /// Byte offset where nesting first exceeded [`MAX_DEPTH`], if it did.
    pub too_deep_at: Option<usize>,
}

/// Split `text` into declaration chunks. Whitespace-and-comment-only text yields none.
pub fn split(text: &str) -> Vec<Chunk> {
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut too_deep_at = None;
    let mut i = 0;
    let mut at_line_start = true;
    while i < bytes.len() {
        if at_line_start {
            at_line_start = false;
            let indent = bytes[i..].iter().take_while(|b| **b == b' ' || **b == b'\t').count();
            if let Some(word) = decl_keyword_at(text, i + indent) {
                let forced = indent == 0 && word != "metric";
                if (depth == 0 || forced) && has_code(&text[start..i]) {
                    chunks.push(Chunk { start, end: i, too_deep_at });
                    start = i;
                    too_deep_at = None;
                    depth = 0;
                } else if forced {
                    depth = 0;
                }
            }
        }
        match bytes[i] {
            b'\n' => at_line_start = true,
            b'"' => i = skip_string(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr(bytes, i, b'\n');
                continue;
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH && too_deep_at.is_none() {
                    too_deep_at = Some(i);
                }
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    if has_code(&text[start..]) {
        chunks.push(Chunk { start, end: text.len(), too_deep_at });
    }
    chunks
}

fn decl_keyword_at(text: &str, at: usize) -> Option<&'static str> {
    let rest = text.get(at..)?;
    DECLARATION_KEYWORDS.into_iter().find(|kw| {
        rest.starts_with(kw) && !rest[kw.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Index of the closing quote of the string opening at `open` (or of the end of the
/// line, for an unterminated string, which the parser then reports).
fn skip_string(bytes: &[u8], open: usize) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            b'\n' => return i - 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn memchr(bytes: &[u8], from: usize, needle: u8) -> usize {
    bytes[from..].iter().position(|b| *b == needle).map_or(bytes.len(), |p| from + p)
}

/// Whether the text holds anything but whitespace and comments.
fn has_code(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        !t.is_empty() && !t.starts_with("//")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        split(text).iter().map(|c| text[c.start..c.end].trim()).collect()
    }

    #[test]
    fn cuts_at_top_level_declarations() {
        let text = "// head\nsource s from \"a\" {\n  time t: date\n}\nkpi k {\n  metric m\n}\n";
        assert_eq!(pieces(text), vec!["// head\nsource s from \"a\" {\n  time t: date\n}", "kpi k {\n  metric m\n}"]);
    }

    #[test]
    fn an_unclosed_brace_costs_one_declaration() {
        let text = "kpi a {\n  metric m\nkpi b {\n}\n";
        assert_eq!(pieces(text).len(), 2);
    }

    #[test]
    fn keywords_inside_strings_and_comments_do_not_cut() {
        let text = "kpi a \"x\n  // kpi b\n  {\n}\n";
        assert_eq!(pieces(text).len(), 1);
    }

    #[test]
    fn measures_nesting() {
        let deep = format!("metric m = {}1{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(split(&deep)[0].too_deep_at, Some(11 + MAX_DEPTH));
    }
}
