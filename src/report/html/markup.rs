//! A small HTML writer: every piece of text and every attribute value goes
//! through escaping, so names and labels from specs and data cannot inject
//! markup. SVG is written with the same writer (inline SVG in HTML5).

/// Markup under construction.
#[derive(Default)]
pub struct Markup {
    out: String,
}

/// Elements after whose end tag a line break keeps the source readable.
const BLOCKS: &[&str] = &[
    "html",
    "head",
    "body",
    "header",
    "nav",
    "main",
    "section",
    "article",
    "footer",
    "div",
    "figure",
    "figcaption",
    "ul",
    "ol",
    "li",
    "dl",
    "table",
    "thead",
    "tbody",
    "tr",
    "p",
    "h1",
    "h2",
    "h3",
    "svg",
    "g",
    "style",
    "title",
];

impl Markup {
    pub fn new() -> Markup {
        Markup::default()
    }

    /// `<tag a="v" ...>`
    pub fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Markup {
        self.start_tag(tag, attrs);
        self.out.push('>');
        self
    }

    /// `</tag>`
    pub fn close(&mut self, tag: &str) -> &mut Markup {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        if BLOCKS.contains(&tag) {
            self.out.push('\n');
        }
        self
    }

    /// Escaped text.
    pub fn text(&mut self, text: &str) -> &mut Markup {
        escape_into(&mut self.out, text);
        self
    }

    /// `<tag ...>text</tag>`
    pub fn leaf(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) -> &mut Markup {
        self.open(tag, attrs).text(text).close(tag)
    }

    /// An element without content: `<tag ...>` in HTML (`meta`, `br`), `<tag .../>` in SVG.
    pub fn empty(&mut self, tag: &str, attrs: &[(&str, &str)]) -> &mut Markup {
        self.start_tag(tag, attrs);
        self.out.push_str(if is_html_void(tag) { ">" } else { "/>" });
        self
    }

    /// Markup made by this writer elsewhere.
    pub fn append(&mut self, other: Markup) -> &mut Markup {
        self.out.push_str(&other.out);
        self
    }

    /// A stylesheet shipped with kpic (not from any spec or data).
    pub fn style(&mut self, css: &'static str) -> &mut Markup {
        self.out.push_str("<style>\n");
        self.out.push_str(css);
        self.out.push_str("</style>\n");
        self
    }

    pub fn doctype(&mut self) -> &mut Markup {
        self.out.push_str("<!DOCTYPE html>\n");
        self
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }
}

fn is_html_void(tag: &str) -> bool {
    matches!(tag, "meta" | "br" | "hr" | "img" | "link")
}

/// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in
/// quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut m = Markup::new();
        m.leaf("td", &[("title", "\"><script>alert(1)</script>")], "<img src=x onerror='x'> & co");
        assert_eq!(
            m.finish(),
            "<td title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">\
             &lt;img src=x onerror=&#39;x&#39;&gt; &amp; co</td>"
        );
        let mut m = Markup::new();
        m.empty("meta", &[("charset", "utf-8")]).empty("circle", &[("r", "3")]);
        assert_eq!(m.finish(), "<meta charset=\"utf-8\"><circle r=\"3\"/>");
    }
}
