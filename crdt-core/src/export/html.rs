//! A standalone HTML page. Every piece of text and every attribute is
//! escaped, link and image addresses are limited to safe schemes, and a
//! Content-Security-Policy forbids scripts even if something slipped through.

use std::fmt::Write;

use super::authorship::{Authorship, RunCursor, safe_color};
use crate::model::Node;

const CSS: &str = "\
body{margin:0;background:#f6f6f4;color:#1f1f1f;font:17px/1.6 Georgia,'DejaVu Serif',serif}
main{max-width:46rem;margin:2rem auto;padding:2rem 3rem;background:#fff;box-shadow:0 1px 4px #0002}
h1,h2,h3,h4,h5,h6{font-family:'Helvetica Neue',Arial,'DejaVu Sans',sans-serif;line-height:1.25;margin:1.6em 0 .5em}
h1.title{font-size:2.2em;margin-top:0;border-bottom:1px solid #ddd;padding-bottom:.3em}
blockquote{margin:1em 0;padding:.2em 1em;border-left:4px solid #ccc;color:#555}
pre{background:#f3f3f3;padding:.8em 1em;overflow-x:auto;border-radius:4px}
code{font:.9em 'DejaVu Sans Mono',Menlo,Consolas,monospace;background:#f3f3f3;padding:.1em .25em;border-radius:3px}
pre code{background:none;padding:0}
img{max-width:100%}
hr{border:0;border-top:1px solid #ccc;margin:2em 0}
a{color:#1a5fb4}
.legend{margin-top:3em;border-top:1px solid #ddd;font:14px/1.5 Arial,'DejaVu Sans',sans-serif}
.legend ul{list-style:none;padding:0}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:-.1em;border-radius:2px}
@media print{body{background:#fff}main{box-shadow:none;margin:0;padding:0}}
";

/// The body as a standalone HTML page titled `title`. With `authorship`, each
/// author's text is tinted in their colour and a legend follows the body.
pub fn html(doc: &Node, title: &str, authorship: Option<&Authorship>) -> String {
    let mut out = String::new();
    let title = escape(title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         img-src * data:; style-src 'unsafe-inline'\">\n\
         <title>{title}</title>\n<style>\n{CSS}{}</style>\n</head>\n<body>\n<main>\n\
         <h1 class=\"title\">{title}</h1>\n",
        authorship.map(author_css).unwrap_or_default()
    );
    let mut writer = Writer {
        out: &mut out,
        cursor: authorship.map(RunCursor::new),
    };
    writer.blocks(&doc.content);
    if let Some(authorship) = authorship {
        legend(authorship, &mut out);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// Escapes text for HTML content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// A link or image address if its scheme is harmless (see
/// [`crate::schema::is_safe_url`]), else `#`.
pub(crate) fn safe_url(url: &str, image: bool) -> String {
    if crate::schema::is_safe_url(url, image) {
        url.to_owned()
    } else {
        "#".to_owned()
    }
}

fn author_css(authorship: &Authorship) -> String {
    let mut css = String::new();
    for (i, author) in authorship.authors.iter().enumerate() {
        let color = safe_color(&author.color, i);
        let _ = writeln!(
            css,
            ".a{i}{{background:{color}33;border-bottom:2px solid {color}}}"
        );
        let _ = writeln!(css, ".swatch.a{i}{{background:{color}}}");
    }
    css
}

/// The authors with their shares of what they wrote, then the starting
/// text apart: a template's text is nobody's share.
fn legend(authorship: &Authorship, out: &mut String) {
    let counts = authorship.counts();
    let is_starting = |i: usize| authorship.authors[i].starting;
    let written: usize = (0..counts.len())
        .filter(|&i| !is_starting(i))
        .map(|i| counts[i])
        .sum();
    let all: usize = counts.iter().sum();
    out.push_str("<aside class=\"legend\">\n<h2>Authors</h2>\n");
    let members = (0..counts.len()).any(|i| !is_starting(i));
    if members {
        out.push_str("<ul>\n");
    }
    for (i, author) in authorship.authors.iter().enumerate() {
        if is_starting(i) {
            continue;
        }
        let share = (counts[i] * 100).checked_div(written).unwrap_or(0);
        let _ = writeln!(
            out,
            "<li><span class=\"swatch a{i}\"></span>{} <small>({share}%)</small></li>",
            escape(&author.name)
        );
    }
    if members {
        out.push_str("</ul>\n");
    }
    let starting: Vec<usize> = (0..counts.len()).filter(|&i| is_starting(i)).collect();
    if !starting.is_empty() {
        let chars: usize = starting.iter().map(|&i| counts[i]).sum();
        let of_all = (chars * 100).checked_div(all).unwrap_or(0);
        out.push_str("<p class=\"starting\">");
        for i in &starting {
            let _ = write!(out, "<span class=\"swatch a{i}\"></span>");
        }
        let _ = writeln!(
            out,
            "Starting text (template or import) <small>({of_all}% of the document, \
             not counted in the shares)</small></p>"
        );
    }
    out.push_str("</aside>\n");
}

struct Writer<'a, 'r> {
    out: &'a mut String,
    cursor: Option<RunCursor<'r>>,
}

impl Writer<'_, '_> {
    fn blocks(&mut self, nodes: &[Node]) {
        for node in nodes {
            self.block(node);
        }
    }

    fn block(&mut self, node: &Node) {
        match node.kind.as_str() {
            "paragraph" => self.wrapped("p", "", node),
            "heading" => {
                let level = node.attr_u64("level").unwrap_or(1).clamp(1, 6);
                self.wrapped(&format!("h{level}"), "", node);
            }
            "blockquote" => self.container("blockquote", "", node),
            "bullet_list" => self.container("ul", "", node),
            "ordered_list" => {
                let start = node.attr_u64("order").unwrap_or(1);
                let attrs = if start == 1 {
                    String::new()
                } else {
                    format!(" start=\"{start}\"")
                };
                self.container("ol", &attrs, node);
            }
            "list_item" => self.container("li", "", node),
            "code_block" => {
                let class = match node.attr_str("language") {
                    Some(lang) if !lang.is_empty() => {
                        format!(" class=\"language-{}\"", escape(lang))
                    }
                    _ => String::new(),
                };
                let _ = write!(self.out, "<pre><code{class}>");
                self.inline(&node.content);
                self.out.push_str("</code></pre>\n");
            }
            "horizontal_rule" => self.out.push_str("<hr>\n"),
            "text" | "hard_break" | "image" => {
                self.out.push_str("<p>");
                self.inline(std::slice::from_ref(node));
                self.out.push_str("</p>\n");
            }
            _ => self.blocks(&node.content),
        }
    }

    fn wrapped(&mut self, tag: &str, attrs: &str, node: &Node) {
        let _ = write!(self.out, "<{tag}{attrs}>");
        self.inline(&node.content);
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn container(&mut self, tag: &str, attrs: &str, node: &Node) {
        let _ = writeln!(self.out, "<{tag}{attrs}>");
        self.blocks(&node.content);
        let _ = writeln!(self.out, "</{tag}>");
    }

    fn inline(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node.kind.as_str() {
                "hard_break" => self.out.push_str("<br>"),
                "image" => {
                    let src = escape(&safe_url(node.attr_str("src").unwrap_or_default(), true));
                    let alt = escape(node.attr_str("alt").unwrap_or_default());
                    let _ = write!(self.out, "<img src=\"{src}\" alt=\"{alt}\"");
                    if let Some(title) = node.attr_str("title") {
                        let _ = write!(self.out, " title=\"{}\"", escape(title));
                    }
                    self.out.push('>');
                }
                "text" => self.text(node),
                _ => self.inline(&node.content),
            }
        }
    }

    fn text(&mut self, node: &Node) {
        let mut close = Vec::new();
        if let Some(link) = node.mark("link") {
            let href = link
                .attrs
                .get("href")
                .and_then(|h| h.as_str())
                .unwrap_or_default();
            let _ = write!(self.out, "<a href=\"{}\"", escape(&safe_url(href, false)));
            if let Some(title) = link.attrs.get("title").and_then(|t| t.as_str()) {
                let _ = write!(self.out, " title=\"{}\"", escape(title));
            }
            self.out.push('>');
            close.push("</a>");
        }
        for (mark, tag) in [
            ("strong", "strong"),
            ("em", "em"),
            ("strike", "s"),
            ("underline", "u"),
            ("code", "code"),
        ] {
            if node.has_mark(mark) {
                let _ = write!(self.out, "<{tag}>");
                close.push(match tag {
                    "strong" => "</strong>",
                    "em" => "</em>",
                    "s" => "</s>",
                    "u" => "</u>",
                    _ => "</code>",
                });
            }
        }
        let text = node.text.as_deref().unwrap_or_default();
        match self.cursor.as_mut() {
            None => self.out.push_str(&escape(text)),
            Some(cursor) => {
                for (author, piece) in cursor.split(text) {
                    match author {
                        Some(a) => {
                            let _ =
                                write!(self.out, "<span class=\"a{a}\">{}</span>", escape(piece));
                        }
                        None => self.out.push_str(&escape(piece)),
                    }
                }
            }
        }
        for tag in close.iter().rev() {
            self.out.push_str(tag);
        }
    }
}
