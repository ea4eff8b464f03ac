//! A Word document by docx-rs: headings in Word's heading styles (so they
//! show in the navigation pane and a table of contents), lists as Word
//! numbering, marks as run properties, links as hyperlinks.

use docx_rs::{
    AbstractNumbering, BreakType, Docx, Hyperlink, HyperlinkType, IndentLevel, Level, LevelJc,
    LevelText, NumberFormat, Numbering, NumberingId, Paragraph, Run, RunFonts, SpecialIndentType,
    Start, Style, StyleType,
};

use super::inline::{Style as Marks, image_label, is_inline};
use super::{ExportError, ExportResult};
use crate::model::Node;

/// Half-points of the heading sizes, level 1 to 6.
const HEADING_SIZES: [usize; 6] = [36, 30, 26, 24, 22, 22];
/// Twips of indentation per list level and per quote.
const INDENT: i32 = 720;
/// Numbering ids start here, clear of any docx-rs default.
const FIRST_NUMBERING_ID: usize = 10;
const MONOSPACE: &str = "Courier New";

/// The body as a DOCX file, with `title` as its first paragraph in the Title
/// style; the title and the contributors' names (`authors`) are also the
/// document's properties (`dc:title`, `dc:creator`).
pub fn docx(doc: &Node, title: &str, authors: &[String]) -> ExportResult<Vec<u8>> {
    let mut writer = Writer {
        docx: styled(Docx::new()),
        next_numbering: FIRST_NUMBERING_ID,
    };
    if !title.is_empty() {
        let run = Run::new().add_text(clean(title));
        writer.docx = writer
            .docx
            .add_paragraph(Paragraph::new().style("Title").add_run(run));
    }
    writer.blocks(&doc.content, &Context::default());
    let mut out = std::io::Cursor::new(Vec::new());
    let mut xml = writer.docx.build();
    xml.doc_props.core = core_properties(title, authors).into_bytes();
    xml.pack(&mut out)
        .map_err(|e| ExportError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// `docProps/core.xml`: docx-rs writes only dates and a fixed creator.
fn core_properties(title: &str, authors: &[String]) -> String {
    let creator = authors
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let mut xml = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
        r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties""#,
        r#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/""#,
        r#" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    ));
    if !title.is_empty() {
        xml.push_str(&format!("<dc:title>{}</dc:title>", escape(title)));
    }
    if !creator.is_empty() {
        xml.push_str(&format!("<dc:creator>{}</dc:creator>", escape(&creator)));
    }
    xml.push_str("<cp:revision>1</cp:revision></cp:coreProperties>");
    xml
}

/// Text escaped for XML character data, without forbidden characters.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn styled(docx: Docx) -> Docx {
    let mut docx = docx
        .add_style(
            Style::new("Normal", StyleType::Paragraph)
                .name("Normal")
                .size(22),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .size(52)
                .bold(),
        )
        .add_style(
            Style::new("Quote", StyleType::Paragraph)
                .name("Quote")
                .based_on("Normal")
                .italic()
                .color("555555"),
        )
        .add_style(
            Style::new("Code", StyleType::Paragraph)
                .name("Code")
                .based_on("Normal")
                .fonts(RunFonts::new().ascii(MONOSPACE).hi_ansi(MONOSPACE))
                .size(20),
        )
        .add_style(
            Style::new("ListParagraph", StyleType::Paragraph)
                .name("List Paragraph")
                .based_on("Normal"),
        );
    for (i, size) in HEADING_SIZES.iter().enumerate() {
        let level = i + 1;
        docx = docx.add_style(
            Style::new(format!("Heading{level}"), StyleType::Paragraph)
                .name(format!("Heading {level}"))
                .based_on("Normal")
                .next("Normal")
                .size(*size)
                .bold()
                .outline_lvl(i),
        );
    }
    docx
}

/// Where a block sits: inside which lists and quotes.
#[derive(Debug, Clone, Default)]
struct Context {
    /// The numbering id and level of the innermost list, if any.
    list: Option<(usize, usize)>,
    /// List depth, for the level of nested lists.
    depth: usize,
    /// Quote depth, for indentation.
    quotes: usize,
    /// Whether this is the first paragraph of a list item (it gets the number).
    first_in_item: bool,
}

struct Writer {
    docx: Docx,
    next_numbering: usize,
}

impl Writer {
    fn blocks(&mut self, nodes: &[Node], cx: &Context) {
        let mut cx = cx.clone();
        for node in nodes {
            self.block(node, &cx);
            cx.first_in_item = false;
        }
    }

    fn block(&mut self, node: &Node, cx: &Context) {
        match node.kind.as_str() {
            "paragraph" => {
                let p = self.paragraph(cx, "Normal");
                self.push(inline(p, &node.content));
            }
            "heading" => {
                let level = node.attr_u64("level").unwrap_or(1).clamp(1, 6);
                let p = self.paragraph(cx, &format!("Heading{level}"));
                self.push(inline(p, &node.content));
            }
            "code_block" => {
                let p = self.paragraph(cx, "Code");
                let text = node.plain_text();
                self.push(p.add_run(text_run(Run::new(), &text)));
            }
            "blockquote" => {
                let inner = Context {
                    quotes: cx.quotes + 1,
                    ..cx.clone()
                };
                self.blocks(&node.content, &inner);
            }
            "bullet_list" | "ordered_list" => self.list(node, cx),
            "horizontal_rule" => {
                let p = self.paragraph(cx, "Normal");
                self.push(p.add_run(Run::new().add_text("\u{2015}".repeat(20)).color("999999")));
            }
            _ if is_inline(node) => {
                let p = self.paragraph(cx, "Normal");
                self.push(inline(p, std::slice::from_ref(node)));
            }
            _ => self.blocks(&node.content, cx),
        }
    }

    fn list(&mut self, node: &Node, cx: &Context) {
        let ordered = node.kind == "ordered_list";
        let start = node.attr_u64("order").unwrap_or(1) as usize;
        let id = self.next_numbering;
        self.next_numbering += 1;
        let mut abstract_numbering = AbstractNumbering::new(id);
        for level in 0..9 {
            let (format, text) = if ordered {
                ("decimal", format!("%{}.", level + 1))
            } else {
                (
                    "bullet",
                    ["\u{2022}", "\u{25e6}", "\u{25aa}"][level % 3].to_owned(),
                )
            };
            abstract_numbering = abstract_numbering.add_level(
                Level::new(
                    level,
                    Start::new(start),
                    NumberFormat::new(format),
                    LevelText::new(text),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(INDENT * (level as i32 + 1)),
                    Some(SpecialIndentType::Hanging(360)),
                    None,
                    None,
                ),
            );
        }
        self.docx = std::mem::take(&mut self.docx)
            .add_abstract_numbering(abstract_numbering)
            .add_numbering(Numbering::new(id, id));
        for item in &node.content {
            let inner = Context {
                list: Some((id, cx.depth)),
                depth: cx.depth + 1,
                quotes: cx.quotes,
                first_in_item: true,
            };
            self.blocks(&item.content, &inner);
        }
    }

    /// A paragraph in `style`, numbered if it opens a list item and indented
    /// for the lists and quotes around it.
    fn paragraph(&self, cx: &Context, style: &str) -> Paragraph {
        let mut p = Paragraph::new();
        if style != "Normal" || cx.list.is_none() {
            p = p.style(style);
        }
        match cx.list {
            Some((id, level)) if cx.first_in_item => {
                if style == "Normal" {
                    p = p.style("ListParagraph");
                }
                p = p.numbering(NumberingId::new(id), IndentLevel::new(level));
            }
            Some((_, level)) => {
                let left = INDENT * (level as i32 + 1) + INDENT * cx.quotes as i32;
                p = p.indent(Some(left), None, None, None);
            }
            None if cx.quotes > 0 => {
                p = p
                    .style("Quote")
                    .indent(Some(INDENT * cx.quotes as i32), None, None, None);
            }
            None => {}
        }
        p
    }

    fn push(&mut self, p: Paragraph) {
        let docx = std::mem::take(&mut self.docx);
        self.docx = docx.add_paragraph(p);
    }
}

fn inline(mut p: Paragraph, nodes: &[Node]) -> Paragraph {
    for node in nodes {
        match node.kind.as_str() {
            "hard_break" => p = p.add_run(Run::new().add_break(BreakType::TextWrapping)),
            "image" => {
                p = p.add_run(
                    Run::new()
                        .add_text(clean(&image_label(node)))
                        .italic()
                        .color("666666"),
                )
            }
            _ => {
                let marks = Marks::of(node);
                let run = styled_run(&marks, node.text.as_deref().unwrap_or_default());
                p = match marks.link {
                    Some(href) => {
                        p.add_hyperlink(Hyperlink::new(href, HyperlinkType::External).add_run(run))
                    }
                    None => p.add_run(run),
                };
            }
        }
    }
    p
}

fn styled_run(marks: &Marks, text: &str) -> Run {
    let mut run = Run::new();
    if marks.strong {
        run = run.bold();
    }
    if marks.em {
        run = run.italic();
    }
    if marks.strike {
        run = run.strike();
    }
    if marks.underline || marks.link.is_some() {
        run = run.underline("single");
    }
    if marks.link.is_some() {
        run = run.color("1A5FB4");
    }
    if marks.code {
        run = run.fonts(RunFonts::new().ascii(MONOSPACE).hi_ansi(MONOSPACE));
    }
    text_run(run, text)
}

/// Text with line breaks and tabs as Word breaks and tabs.
fn text_run(mut run: Run, text: &str) -> Run {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                run = run.add_tab();
            }
            if !part.is_empty() {
                run = run.add_text(clean(part));
            }
        }
    }
    run
}

/// Text without the control characters that XML 1.0 forbids.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n'))
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}
