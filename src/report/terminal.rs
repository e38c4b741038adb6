//! What every terminal table shares: the style it is drawn in, how a status
//! reads, whether a table fits, how text wraps.

use crate::eval::Status;
use comfy_table::Color;

/// How the terminal shows a report.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colours: only on a terminal with NO_COLOR unset.
    pub color: bool,
    /// Columns available: the terminal's width, 80 when not a terminal.
    pub width: u16,
}

impl Default for Style {
    fn default() -> Style {
        Style { color: false, width: 80 }
    }
}

/// "✓ met", "! at risk", "✗ missed", "? no data": never colour alone.
pub fn status_label(s: Status) -> String {
    format!("{} {}", status_symbol(s), s.label())
}

pub fn status_symbol(s: Status) -> &'static str {
    match s {
        Status::Met => "✓",
        Status::AtRisk => "!",
        Status::Missed => "✗",
        Status::NoData => "?",
    }
}

pub(crate) fn status_color(s: Status) -> Color {
    match s {
        Status::Met => Color::Green,
        Status::AtRisk => Color::Yellow,
        Status::Missed => Color::Red,
        Status::NoData => Color::DarkGrey,
    }
}

/// Whether every line of a rendered table is at most `width` characters.
pub(crate) fn fits(text: &str, width: u16) -> bool {
    text.lines().all(|l| l.chars().count() <= width as usize)
}

/// `text` after `symbol`, indented by two spaces and wrapped at words to
/// `width`; without a symbol, flush left.
pub(crate) fn wrap(text: &str, symbol: &str, width: usize) -> String {
    let mut out = String::new();
    let (mut line, indent) =
        if symbol.is_empty() { (String::new(), 0) } else { (format!("  {symbol}"), 2 + symbol.chars().count() + 1) };
    for word in text.split(' ') {
        if line.chars().count() + 1 + word.chars().count() > width && line.chars().count() > indent {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent.saturating_sub(1));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
