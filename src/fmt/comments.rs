//! The comments of a file, found by a scan that skips strings, handed out in order.

pub(super) struct Comments {
    /// (start, end) byte ranges, in order.
    items: Vec<(u32, u32)>,
    texts: Vec<String>,
    next: usize,
}

impl Comments {
    pub fn scan(text: &str) -> Comments {
        let mut items = Vec::new();
        let mut texts = Vec::new();
        walk(
            text,
            0,
            |start, end| {
                items.push((start as u32, end as u32));
                texts.push(text[start..end].trim_end().to_string());
            },
            |_, _| false,
        );
        Comments { items, texts, next: 0 }
    }

    /// All not yet emitted comments that start before `pos`, each with whether a
    /// blank line follows it in the source.
    pub fn before(&mut self, text: &str, pos: u32) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        while self.next < self.items.len() && self.items[self.next].0 < pos {
            let end = self.items[self.next].1;
            let until = self.items.get(self.next + 1).map_or(pos, |n| n.0.min(pos)).max(end);
            let blank = blank_line_at(&text[end as usize..until as usize]);
            out.push((self.texts[self.next].clone(), blank));
            self.next += 1;
        }
        out
    }

    /// Whether a comment not yet emitted starts inside `start..end`.
    pub fn inside(&self, start: u32, end: u32) -> bool {
        self.items.get(self.next).is_some_and(|&(s, _)| s > start && s < end)
    }

    /// Mark every comment that starts before `end` as emitted.
    pub fn skip_to(&mut self, end: u32) {
        while self.items.get(self.next).is_some_and(|&(s, _)| s < end) {
            self.next += 1;
        }
    }

    /// The next comment, if it starts on the same line right after `end`.
    pub fn trailing(&mut self, text: &str, end: u32) -> Option<String> {
        let (start, _) = *self.items.get(self.next)?;
        if start < end {
            return None;
        }
        let between = &text[end as usize..start as usize];
        if between.contains('\n') || !between.trim().is_empty() {
            return None;
        }
        self.next += 1;
        Some(self.texts[self.next - 1].clone())
    }

    /// The next comment if it lies before `limit` on the line where it starts
    /// (a comment after an opening brace).
    pub fn first_line_comment_before(&mut self, text: &str, limit: u32) -> Option<String> {
        let (start, _) = *self.items.get(self.next)?;
        if start >= limit {
            return None;
        }
        let line_start = text[..start as usize].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..start as usize].trim().is_empty() {
            return None;
        }
        self.next += 1;
        Some(self.texts[self.next - 1].clone())
    }
}

/// Walk `text` from `from`: `comment(start, end)` for each `//` comment,
/// `code(i, byte)` for each byte outside strings and comments, until it
/// returns true; the position it stopped at.
fn walk(
    text: &str,
    from: usize,
    mut comment: impl FnMut(usize, usize),
    mut code: impl FnMut(usize, u8) -> bool,
) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                comment(i, end);
                i = end;
            }
            b if code(i, b) => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Where the comment of one line starts (the line's length when it has none).
pub(super) fn comment_start(line: &str) -> usize {
    let mut at = line.len();
    walk(line, 0, |start, _| at = at.min(start), |_, _| false);
    at
}

/// The first `want` at or after `from`, outside strings and comments.
pub(super) fn find_in_code(text: &str, from: usize, want: u8) -> Option<usize> {
    walk(text, from, |_, _| {}, |_, b| b == want)
}

/// Whether `text` starts with a blank line: two line breaks before any code (a
/// comment inside a declaration is followed by more of its code, not a blank).
pub(super) fn blank_line_at(text: &str) -> bool {
    text[..text.len() - text.trim_start().len()].matches('\n').count() >= 2
}
