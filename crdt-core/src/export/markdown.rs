//! CommonMark with GFM strikethrough, written from pulldown-cmark events by
//! pulldown-cmark-to-cmark, which escapes text so that it reads back the
//! same. Underline has no Markdown syntax and is written as inline `<u>` HTML,
//! as is a hard break inside a heading; the importer reads both back.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};
use serde_json::Value;

use crate::import::markdown::PARSER_OPTIONS;
use crate::model::{Mark, Node};

/// The body as CommonMark (with GFM strikethrough), ending in one newline.
pub fn markdown(doc: &Node) -> String {
    let mut events = Vec::new();
    blocks(&doc.content, &mut events);
    let options = pulldown_cmark_to_cmark::Options {
        list_token: '-',
        increment_ordered_list_bullets: true,
        code_block_token_count: 3,
        ..Default::default()
    };
    let mut out = String::new();
    if pulldown_cmark_to_cmark::cmark_with_options(events.iter(), &mut out, PARSER_OPTIONS, options)
        .is_err()
    {
        // The events are balanced and built from valid content, so this is
        // not expected; should it happen, keep every word as escaped text.
        out = escape_all(&super::plain_text(doc));
    }
    let mut out = drop_empty_quote_openings(&out)
        .trim_start_matches('\n')
        .to_owned();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The text without the empty `>` line that pulldown-cmark-to-cmark writes
/// where a block quote opens (its first block follows on the next line).
/// The quotes are found by parsing the text, so a `>` in a code block is
/// never touched; an empty first line adds nothing to a quote, so the text
/// means the same.
fn drop_empty_quote_openings(markdown: &str) -> String {
    let mut drop = Vec::new();
    let parser = pulldown_cmark::Parser::new_ext(markdown, PARSER_OPTIONS).into_offset_iter();
    for (event, range) in parser {
        if !matches!(event, Event::Start(Tag::BlockQuote(_))) {
            continue;
        }
        let line_start = markdown[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let Some(line_len) = markdown[line_start..].find('\n') else {
            continue;
        };
        let line = &markdown[line_start..line_start + line_len];
        let next = &markdown[line_start + line_len + 1..];
        let prefix = line.trim_end();
        // Only a line of nothing but quote markers, continued by the quote.
        if line.chars().all(|c| c == '>' || c == ' ') && next.starts_with(prefix) {
            drop.push(line_start..line_start + line_len + 1);
        }
    }
    let mut out = String::with_capacity(markdown.len());
    let mut at = 0;
    for range in drop {
        if range.start >= at {
            out.push_str(&markdown[at..range.start]);
            at = range.end;
        }
    }
    out.push_str(&markdown[at..]);
    out
}

/// Text with every ASCII punctuation character backslash-escaped, so that
/// nothing in it reads as Markdown syntax.
fn escape_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out.replace('\n', "\n\n")
}

fn blocks(nodes: &[Node], out: &mut Vec<Ev>) {
    for node in nodes {
        block(node, out);
    }
}

fn block(node: &Node, out: &mut Vec<Ev>) {
    match node.kind.as_str() {
        "paragraph" => {
            if node.content.is_empty() {
                return;
            }
            out.push(Event::Start(Tag::Paragraph));
            inline(&node.content, false, out);
            out.push(Event::End(TagEnd::Paragraph));
        }
        "heading" => {
            let level = heading_level(node.attr_u64("level").unwrap_or(1));
            out.push(Event::Start(Tag::Heading {
                level,
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            }));
            inline(&node.content, true, out);
            out.push(Event::End(TagEnd::Heading(level)));
        }
        "blockquote" => {
            out.push(Event::Start(Tag::BlockQuote(None)));
            blocks(&node.content, out);
            out.push(Event::End(TagEnd::BlockQuote(None)));
        }
        "code_block" => {
            let language = node.attr_str("language").unwrap_or_default();
            let kind = CodeBlockKind::Fenced(cs(language));
            out.push(Event::Start(Tag::CodeBlock(kind)));
            let mut text = node.plain_text();
            if !text.is_empty() {
                text.push('\n');
                out.push(Event::Text(cs(&text)));
            }
            out.push(Event::End(TagEnd::CodeBlock));
        }
        "horizontal_rule" => out.push(Event::Rule),
        "bullet_list" | "ordered_list" => list(node, out),
        "image" | "text" | "hard_break" => {
            // Inline content where a block belongs: give it a paragraph.
            out.push(Event::Start(Tag::Paragraph));
            inline(std::slice::from_ref(node), false, out);
            out.push(Event::End(TagEnd::Paragraph));
        }
        _ => blocks(&node.content, out),
    }
}

fn list(node: &Node, out: &mut Vec<Ev>) {
    let ordered = node.kind == "ordered_list";
    let start = ordered.then(|| node.attr_u64("order").unwrap_or(1));
    // A list is tight when no item holds more than one paragraph; a tight
    // list's paragraphs are written without paragraph tags.
    let tight = node.content.iter().all(|item| {
        item.content
            .iter()
            .filter(|child| child.kind != "bullet_list" && child.kind != "ordered_list")
            .count()
            <= 1
            && item.content.first().is_none_or(|c| c.kind == "paragraph")
    });
    out.push(Event::Start(Tag::List(start)));
    for item in &node.content {
        out.push(Event::Start(Tag::Item));
        for child in &item.content {
            if tight && child.kind == "paragraph" {
                inline(&child.content, false, out);
            } else {
                block(child, out);
            }
        }
        out.push(Event::End(TagEnd::Item));
    }
    out.push(Event::End(TagEnd::List(ordered)));
}

fn heading_level(level: u64) -> HeadingLevel {
    match level {
        0 | 1 => HeadingLevel::H1,
        2 => HeadingLevel::H2,
        3 => HeadingLevel::H3,
        4 => HeadingLevel::H4,
        5 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// The marks that open and close around text, outermost first; `code` is
/// written as a code span inside them.
const NESTING: &[&str] = &["link", "strong", "em", "strike", "underline"];

fn inline(nodes: &[Node], in_heading: bool, out: &mut Vec<Ev>) {
    let nodes = expel_whitespace(nodes);
    let mut open: Vec<&Mark> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let wanted = nesting_marks(node);
        // Keep the longest prefix of open marks that the node still carries.
        let keep = open
            .iter()
            .take_while(|m| wanted.iter().any(|w| w == *m))
            .count();
        while open.len() > keep {
            close_mark(open.pop().unwrap_or_else(|| unreachable!()), out);
        }
        for mark in wanted {
            if !open.contains(&mark) {
                open_mark(mark, out);
                open.push(mark);
            }
        }
        match node.kind.as_str() {
            "text" => {
                let text = node.text.as_deref().unwrap_or_default();
                if node.has_mark("code") {
                    out.push(Event::Code(cs(text)));
                } else {
                    out.push(Event::Text(cs(text)));
                }
            }
            "hard_break" if in_heading => out.push(Event::InlineHtml("<br>".into())),
            // A hard break at the end of a block has no Markdown form.
            "hard_break" if i + 1 == nodes.len() => {}
            "hard_break" => out.push(Event::HardBreak),
            "image" => image(node, out),
            _ => out.push(Event::Text(cs(&node.plain_text()))),
        }
    }
    while let Some(mark) = open.pop() {
        close_mark(mark, out);
    }
}

fn nesting_marks(node: &Node) -> Vec<&Mark> {
    let mut marks: Vec<&Mark> = node
        .marks
        .iter()
        .flatten()
        .filter(|m| NESTING.contains(&m.kind.as_str()))
        .collect();
    marks.sort_by_key(|m| NESTING.iter().position(|k| *k == m.kind));
    marks
}

fn open_mark(mark: &Mark, out: &mut Vec<Ev>) {
    out.push(match mark.kind.as_str() {
        "link" => Event::Start(Tag::Link {
            link_type: LinkType::Inline,
            dest_url: attr(&mark.attrs, "href"),
            title: attr(&mark.attrs, "title"),
            id: CowStr::Borrowed(""),
        }),
        "strong" => Event::Start(Tag::Strong),
        "em" => Event::Start(Tag::Emphasis),
        "strike" => Event::Start(Tag::Strikethrough),
        _ => Event::InlineHtml("<u>".into()),
    });
}

fn close_mark(mark: &Mark, out: &mut Vec<Ev>) {
    out.push(match mark.kind.as_str() {
        "link" => Event::End(TagEnd::Link),
        "strong" => Event::End(TagEnd::Strong),
        "em" => Event::End(TagEnd::Emphasis),
        "strike" => Event::End(TagEnd::Strikethrough),
        _ => Event::InlineHtml("</u>".into()),
    });
}

fn image(node: &Node, out: &mut Vec<Ev>) {
    out.push(Event::Start(Tag::Image {
        link_type: LinkType::Inline,
        dest_url: cs(node.attr_str("src").unwrap_or_default()),
        title: cs(node.attr_str("title").unwrap_or_default()),
        id: CowStr::Borrowed(""),
    }));
    let alt = node.attr_str("alt").unwrap_or_default();
    if !alt.is_empty() {
        out.push(Event::Text(cs(alt)));
    }
    out.push(Event::End(TagEnd::Image));
}

fn attr(attrs: &Value, key: &str) -> CowStr<'static> {
    cs(attrs.get(key).and_then(Value::as_str).unwrap_or_default())
}

/// Events own their text, so that inline content can be rewritten first.
type Ev = Event<'static>;

fn cs(text: &str) -> CowStr<'static> {
    CowStr::Boxed(text.into())
}

/// The marks whose delimiters must not touch whitespace on their inner side.
const DELIMITED: &[&str] = &["strong", "em", "strike"];

/// Moves whitespace at the edges of emphasis out of it, as CommonMark does
/// not open `**` before a space or close it after one: the space keeps only
/// the marks that its neighbour shares.
fn expel_whitespace(nodes: &[Node]) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let text = node.text.as_deref().unwrap_or_default();
        let delimited = node
            .marks
            .iter()
            .flatten()
            .any(|m| DELIMITED.contains(&m.kind.as_str()));
        if node.kind != "text" || !delimited || node.has_mark("code") {
            out.push(node.clone());
            continue;
        }
        let core = text.trim_matches(char::is_whitespace);
        let lead = &text[..text.len() - text.trim_start_matches(char::is_whitespace).len()];
        let trail = &text[lead.len() + core.len()..];
        if !lead.is_empty() {
            out.push(Node::text(
                lead,
                shared_marks(node, i.checked_sub(1).and_then(|p| nodes.get(p))),
            ));
        }
        if !core.is_empty() {
            out.push(Node::text(core, node.marks.clone().unwrap_or_default()));
        }
        if !trail.is_empty() {
            out.push(Node::text(trail, shared_marks(node, nodes.get(i + 1))));
        }
    }
    out
}

fn shared_marks(node: &Node, neighbour: Option<&Node>) -> Vec<Mark> {
    let Some(neighbour) = neighbour else {
        return Vec::new();
    };
    node.marks
        .iter()
        .flatten()
        .filter(|m| neighbour.marks.iter().flatten().any(|n| n == *m))
        .cloned()
        .collect()
}
