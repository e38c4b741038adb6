//! A syntax tree as an indented outline, for the parse snapshots: what the
//! parser read, without the spans and empty fields that made the JSON dump
//! hundreds of lines long for a few lines of source.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Each declaration as an outline, separated by blank lines. A node is its
/// name and its fields, in the order of the syntax tree's structs, indented
/// below it; a node with one plain field is written on its parent's line
/// (`kpi: revenue`, not `kpi` / `name: revenue`); list items start with `- `.
/// Spans (`span`, `*_span`), empty fields (null, `[]`, `{}`) and the `kind`
/// wrapper of a node with a span are left out.
pub fn outline<T: serde::Serialize>(decls: &[T]) -> String {
    let mut out = String::new();
    for (i, d) in decls.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        // Through JSON text, whose objects keep the structs' field order.
        let json = serde_json::to_string(d).expect("the syntax tree serializes");
        let node: Node = serde_json::from_str(&json).expect("JSON reads back");
        write(&mut out, 0, None, &prune(node));
    }
    out
}

/// A JSON value whose objects keep their fields in order.
enum Node {
    Leaf(String),
    Null,
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn prune(node: Node) -> Node {
    match node {
        // A node that is only its kind (an expression around its span) is
        // that kind.
        Node::Map(mut fields)
            if fields.len() == 2
                && fields.iter().any(|(k, _)| k == "kind")
                && fields.iter().any(|(k, _)| k == "span") =>
        {
            let kind = fields.remove(fields.iter().position(|(k, _)| k == "kind").unwrap());
            prune(kind.1)
        }
        Node::Map(fields) => Node::Map(
            fields
                .into_iter()
                .filter(|(k, _)| k != "span" && !k.ends_with("_span"))
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Node::List(items) => Node::List(items.into_iter().map(prune).collect()),
        n => n,
    }
}

fn is_empty(node: &Node) -> bool {
    match node {
        Node::Null => true,
        Node::List(items) => items.is_empty(),
        Node::Map(fields) => fields.is_empty(),
        Node::Leaf(_) => false,
    }
}

/// A leaf's text, or the text of a node whose only field is a leaf.
fn plain(node: &Node) -> Option<String> {
    match node {
        Node::Leaf(text) => Some(text.clone()),
        Node::Map(fields) if fields.len() == 1 => plain(&fields[0].1),
        // Left in a list, where a position means something.
        Node::Null => Some("null".into()),
        Node::List(items) if items.is_empty() => Some("[]".into()),
        Node::Map(fields) if fields.is_empty() => Some("{}".into()),
        _ => None,
    }
}

fn write(out: &mut String, indent: usize, label: Option<&str>, node: &Node) {
    // A declaration or list item keeps its one field's name: `import: x.kpi`.
    if let (None, Node::Map(fields)) = (label, node) {
        if let [(k, v)] = fields.as_slice() {
            return write(out, indent, Some(k), v);
        }
    }
    let pad = " ".repeat(indent);
    if let Some(text) = plain(node) {
        match label {
            Some(l) => out.push_str(&format!("{pad}{l}: {text}\n")),
            None => out.push_str(&format!("{pad}{text}\n")),
        }
        return;
    }
    let inner = match label {
        Some(l) => {
            out.push_str(&format!("{pad}{l}\n"));
            indent + 2
        }
        None => indent,
    };
    match node {
        Node::Map(fields) => {
            for (k, v) in fields {
                write(out, inner, Some(k), v);
            }
        }
        Node::List(items) => {
            for item in items {
                // The item one level in, its first line marked as a list item.
                let start = out.len();
                write(out, inner + 2, None, item);
                out.replace_range(start + inner..start + inner + 2, "- ");
            }
        }
        Node::Leaf(_) | Node::Null => unreachable!("every leaf is plain"),
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Leaf(v.to_string()))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Leaf(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Leaf(v.to_string()))
    }

    /// `40.0` as `40`: the tree's numbers are written as a reader would.
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Leaf(if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { v.to_string() }))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Leaf(if v.is_empty() { "\"\"".into() } else { v.to_string() }))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut fields = Vec::new();
        while let Some((k, v)) = map.next_entry()? {
            fields.push((k, v));
        }
        Ok(Node::Map(fields))
    }
}
