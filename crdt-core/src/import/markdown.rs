//! Markdown to the body, by pulldown-cmark with GFM strikethrough. Tables,
//! footnotes and task lists are recognised so that they can be degraded to
//! text and reported; inline `<u>` and `<br>` are read as underline and hard
//! breaks, as the Markdown exporter writes them; other HTML is kept as text.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::{Value, json};

use super::Imported;
use super::builder::Builder;
use crate::error::Result;
use crate::model::{Mark, Node};

/// The parser options for reading, which the exporter also escapes for.
pub(crate) const PARSER_OPTIONS: Options = Options::ENABLE_STRIKETHROUGH
    .union(Options::ENABLE_TABLES)
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_TASKLISTS);

/// Reads Markdown into a body.
pub fn markdown(source: &str) -> Result<Imported> {
    let mut b = Builder::new(false);
    let mut image: Option<(Node, String)> = None;
    let mut cells = 0usize;
    for event in Parser::new_ext(source, PARSER_OPTIONS) {
        if let Some((_, alt)) = image.as_mut() {
            match event {
                Event::End(TagEnd::Image) => {
                    let (node, alt) = image.take().unwrap_or_else(|| unreachable!());
                    let node = if alt.is_empty() {
                        node
                    } else {
                        node.with_attr("alt", alt)
                    };
                    b.inline(node);
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => start(&mut b, tag, &mut image, &mut cells),
            Event::End(tag) => end(&mut b, tag),
            Event::Text(t) => b.text(&t),
            Event::Code(t) => {
                b.push_mark(mark("code"));
                b.text(&t);
                b.pop_mark("code");
            }
            Event::InlineHtml(html) => inline_html(&mut b, &html),
            Event::Html(html) => {
                b.degrade("HTML block (kept as text)");
                b.text(&html);
            }
            Event::SoftBreak => b.text(" "),
            Event::HardBreak => b.inline(Node::new("hard_break", Vec::new())),
            Event::Rule => b.leaf(Node::new("horizontal_rule", Vec::new())),
            Event::FootnoteReference(label) => {
                b.degrade("footnote");
                b.text(&format!("[^{label}]"));
            }
            Event::TaskListMarker(done) => {
                b.degrade("task list");
                b.text(if done { "[x] " } else { "[ ] " });
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => b.text(&t),
        }
    }
    let (doc, degraded) = b.finish()?;
    Ok(Imported {
        doc,
        degraded,
        title: None,
    })
}

fn start(b: &mut Builder, tag: Tag<'_>, image: &mut Option<(Node, String)>, cells: &mut usize) {
    match tag {
        Tag::Paragraph => b.open(Node::new("paragraph", Vec::new())),
        Tag::Heading { level, .. } => {
            b.open(Node::new("heading", Vec::new()).with_attr("level", level as u64));
        }
        Tag::BlockQuote(_) => b.open(Node::new("blockquote", Vec::new())),
        Tag::CodeBlock(kind) => {
            let mut node = Node::new("code_block", Vec::new());
            if let CodeBlockKind::Fenced(info) = kind
                && let Some(language) = info.split_whitespace().next()
            {
                node = node.with_attr("language", language);
            }
            b.open(node);
        }
        Tag::List(Some(order)) => {
            b.open(Node::new("ordered_list", Vec::new()).with_attr("order", order));
        }
        Tag::List(None) => b.open(Node::new("bullet_list", Vec::new())),
        Tag::Item => b.open(Node::new("list_item", Vec::new())),
        Tag::Emphasis => b.push_mark(mark("em")),
        Tag::Strong => b.push_mark(mark("strong")),
        Tag::Strikethrough => b.push_mark(mark("strike")),
        Tag::Link {
            dest_url, title, ..
        } => b.push_mark(link(&dest_url, &title)),
        Tag::Image {
            dest_url, title, ..
        } => {
            let mut node = Node::new("image", Vec::new()).with_attr("src", dest_url.as_ref());
            if !title.is_empty() {
                node = node.with_attr("title", title.as_ref());
            }
            *image = Some((node, String::new()));
        }
        Tag::Table(_) => b.degrade("table"),
        Tag::TableHead | Tag::TableRow => {
            b.open(Node::new("paragraph", Vec::new()));
            *cells = 0;
        }
        Tag::TableCell => {
            if *cells > 0 {
                b.text(" | ");
            }
            *cells += 1;
        }
        Tag::FootnoteDefinition(label) => {
            b.degrade("footnote");
            b.open(Node::new("paragraph", Vec::new()));
            b.text(&format!("[^{label}]: "));
        }
        Tag::HtmlBlock => {}
        Tag::Superscript | Tag::Subscript => {}
        Tag::DefinitionList | Tag::DefinitionListTitle | Tag::DefinitionListDefinition => {}
        Tag::MetadataBlock(_) => b.degrade("metadata block"),
    }
}

fn end(b: &mut Builder, tag: TagEnd) {
    match tag {
        TagEnd::Paragraph => b.close_textblock(),
        TagEnd::Heading(_) => b.close("heading"),
        TagEnd::BlockQuote(_) => b.close("blockquote"),
        TagEnd::CodeBlock => b.close("code_block"),
        TagEnd::List(true) => b.close("ordered_list"),
        TagEnd::List(false) => b.close("bullet_list"),
        TagEnd::Item => b.close("list_item"),
        TagEnd::Emphasis => b.pop_mark("em"),
        TagEnd::Strong => b.pop_mark("strong"),
        TagEnd::Strikethrough => b.pop_mark("strike"),
        TagEnd::Link => b.pop_mark("link"),
        TagEnd::TableHead | TagEnd::TableRow => b.close_textblock(),
        TagEnd::FootnoteDefinition => b.close_textblock(),
        _ => {}
    }
}

fn inline_html(b: &mut Builder, html: &str) {
    let tag: String = html
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    match tag.as_str() {
        "<u>" | "<ins>" => b.push_mark(mark("underline")),
        "</u>" | "</ins>" => b.pop_mark("underline"),
        "<br>" | "<br/>" => b.inline(Node::new("hard_break", Vec::new())),
        _ => {
            b.degrade("inline HTML (kept as text)");
            b.text(html);
        }
    }
}

/// A mark without attributes.
pub(crate) fn mark(kind: &str) -> Mark {
    Mark {
        kind: kind.to_owned(),
        attrs: json!({}),
    }
}

/// A link mark as y-prosemirror stores it: `title` is `null` when absent.
pub(crate) fn link(href: &str, title: &str) -> Mark {
    let title = if title.is_empty() {
        Value::Null
    } else {
        Value::String(title.to_owned())
    };
    Mark {
        kind: "link".to_owned(),
        attrs: json!({ "href": href, "title": title }),
    }
}
