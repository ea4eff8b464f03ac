//! HTML to the body, tokenised by html5gum. Known elements map to nodes and
//! marks; scripts, styles and the head are dropped; tables, definition lists
//! and unknown elements keep their text and are reported as degraded. The
//! `<h1 class="title">` that the HTML exporter writes becomes the title.

use std::collections::BTreeMap;

use html5gum::{DefaultEmitter, HtmlString, Spanned, Token, Tokenizer};

use super::Imported;
use super::builder::Builder;
use super::markdown::{link, mark};
use crate::error::Result;
use crate::model::Node;

/// Elements dropped with everything inside them.
const DROPPED: &[&str] = &[
    "script", "style", "template", "noscript", "iframe", "object", "svg", "math", "select",
    "textarea", "button",
];
/// Elements that only group blocks: their edges end a paragraph.
const GROUPING: &[&str] = &[
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "center",
    "form",
    "fieldset",
    "legend",
];
/// Elements that need no node of their own and lose nothing.
const TRANSPARENT: &[&str] = &[
    "html", "head", "body", "meta", "link", "base", "span", "font", "tbody", "thead", "tfoot",
    "caption",
];
/// Inline elements and the mark each one means.
const MARKS: &[(&str, &str)] = &[
    ("strong", "strong"),
    ("b", "strong"),
    ("em", "em"),
    ("i", "em"),
    ("cite", "em"),
    ("code", "code"),
    ("tt", "code"),
    ("kbd", "code"),
    ("samp", "code"),
    ("s", "strike"),
    ("strike", "strike"),
    ("del", "strike"),
    ("u", "underline"),
    ("ins", "underline"),
];

type Attrs = BTreeMap<HtmlString, Spanned<HtmlString, ()>>;

/// Reads HTML (a whole page or a fragment) into a body.
pub fn html(source: &str) -> Result<Imported> {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut reader = Reader {
        b: Builder::new(true),
        dropped: Vec::new(),
        title: None,
        capture: None,
        cells: 0,
    };
    for Ok(token) in Tokenizer::new_with_emitter(source, emitter) {
        match token {
            Token::StartTag(tag) => {
                let name = string(&tag.name).to_ascii_lowercase();
                reader.start(&name, &tag.attributes, tag.self_closing);
            }
            Token::EndTag(tag) => reader.end(&string(&tag.name).to_ascii_lowercase()),
            Token::String(text) => reader.text(&string(&text.value)),
            Token::Comment(_) | Token::Doctype(_) | Token::Error(_) => {}
        }
    }
    let title = reader.title.filter(|t| !t.is_empty());
    let (doc, degraded) = reader.b.finish()?;
    Ok(Imported {
        doc,
        degraded,
        title,
    })
}

struct Reader {
    b: Builder,
    /// Names of the dropped elements we are inside.
    dropped: Vec<String>,
    title: Option<String>,
    /// Text going to the title rather than the body, and the element it ends with.
    capture: Option<(String, String)>,
    cells: usize,
}

impl Reader {
    fn start(&mut self, name: &str, attrs: &Attrs, self_closing: bool) {
        let void = is_void(name) || self_closing;
        if !self.dropped.is_empty() {
            if !void && DROPPED.contains(&name) {
                self.dropped.push(name.to_owned());
            }
            return;
        }
        let class = attr(attrs, "class").unwrap_or_default();
        if (name == "title" && self.title.is_none())
            || (name == "h1" && class.split_whitespace().any(|c| c == "title"))
        {
            self.capture = Some((String::new(), name.to_owned()));
            return;
        }
        if DROPPED.contains(&name)
            || name == "title"
            || (name == "aside" && class.contains("legend"))
        {
            if !void {
                self.dropped.push(name.to_owned());
            }
            return;
        }
        let b = &mut self.b;
        match name {
            "p" => b.open(Node::new("paragraph", Vec::new())),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = u64::from(name.as_bytes()[1] - b'0');
                b.open(Node::new("heading", Vec::new()).with_attr("level", level));
            }
            "blockquote" => b.open(Node::new("blockquote", Vec::new())),
            "pre" => b.open(Node::new("code_block", Vec::new())),
            "ul" | "menu" => b.open(Node::new("bullet_list", Vec::new())),
            "ol" => {
                let start = attr(attrs, "start").and_then(|s| s.trim().parse::<u64>().ok());
                b.open(
                    Node::new("ordered_list", Vec::new()).with_attr("order", start.unwrap_or(1)),
                );
            }
            "li" => b.open(Node::new("list_item", Vec::new())),
            "hr" => b.leaf(Node::new("horizontal_rule", Vec::new())),
            "br" => b.inline(Node::new("hard_break", Vec::new())),
            "img" => match attr(attrs, "src") {
                Some(src) => {
                    let mut node = Node::new("image", Vec::new()).with_attr("src", src);
                    for key in ["alt", "title"] {
                        if let Some(value) = attr(attrs, key) {
                            node = node.with_attr(key, value);
                        }
                    }
                    b.inline(node);
                }
                None => b.degrade("image without a source (dropped)"),
            },
            "a" => {
                if let Some(href) = attr(attrs, "href") {
                    b.push_mark(link(&href, &attr(attrs, "title").unwrap_or_default()));
                }
            }
            "code" if b.top() == "code_block" => {
                let language = class.split_whitespace().find_map(|c| {
                    c.strip_prefix("language-")
                        .or_else(|| c.strip_prefix("lang-"))
                });
                if let Some(language) = language {
                    b.set_attr("language", language);
                }
            }
            "table" => b.degrade("table"),
            "tr" => {
                b.open(Node::new("paragraph", Vec::new()));
                self.cells = 0;
            }
            "td" | "th" => {
                if self.cells > 0 {
                    b.text(" | ");
                }
                self.cells += 1;
            }
            "dl" | "dt" | "dd" => {
                b.degrade("definition list");
                b.close_textblock();
            }
            _ if GROUPING.contains(&name) => b.close_textblock(),
            _ if TRANSPARENT.contains(&name) => {}
            _ => match MARKS.iter().find(|(tag, _)| *tag == name) {
                Some((_, kind)) => b.push_mark(mark(kind)),
                None if is_void(name) => b.degrade(format!("<{name}> (dropped)")),
                None => b.degrade(format!("<{name}> (kept as text)")),
            },
        }
    }

    fn end(&mut self, name: &str) {
        if let Some(open) = self.dropped.last() {
            if open == name {
                self.dropped.pop();
            }
            return;
        }
        if let Some((text, element)) = &self.capture {
            if element == name {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                self.title.get_or_insert(text);
                self.capture = None;
            }
            return;
        }
        let b = &mut self.b;
        match name {
            "p" => b.close("paragraph"),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => b.close("heading"),
            "blockquote" => b.close("blockquote"),
            "pre" => b.close("code_block"),
            "ul" | "menu" => b.close("bullet_list"),
            "ol" => b.close("ordered_list"),
            "li" => b.close("list_item"),
            "a" => b.pop_mark("link"),
            "code" if b.top() == "code_block" => {}
            "tr" | "dt" | "dd" => b.close_textblock(),
            _ if GROUPING.contains(&name) => b.close_textblock(),
            _ => {
                if let Some((_, kind)) = MARKS.iter().find(|(tag, _)| *tag == name) {
                    b.pop_mark(kind);
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        if !self.dropped.is_empty() {
            return;
        }
        if let Some((captured, _)) = self.capture.as_mut() {
            captured.push_str(text);
            return;
        }
        let at_code_start =
            self.b.top() == "code_block" && self.b.top_node().is_some_and(|n| n.content.is_empty());
        // A newline right after `<pre>` is not part of its content.
        let text = if at_code_start {
            text.strip_prefix('\n').unwrap_or(text)
        } else {
            text
        };
        self.b.text(text);
    }
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "param"
    )
}

fn attr(attrs: &Attrs, key: &str) -> Option<String> {
    attrs.get(key.as_bytes()).map(|value| string(&value.value))
}

fn string(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
