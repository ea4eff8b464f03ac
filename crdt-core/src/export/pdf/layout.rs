//! Lays the body out on A4 pages: blocks stacked top to bottom, inline text
//! wrapped at spaces, a new page when the next line does not fit.
//! Coordinates here are in points from the top-left corner of the page.

use super::font::{FontSet, Variant};
use super::wrap::{Piece, wrap};
use crate::export::inline::{Style, image_label};
use crate::model::Node;

pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.7;
/// Space kept free at the foot of the page for the page number.
const FOOTER: f32 = 28.0;
const BODY_SIZE: f32 = 11.0;
const CODE_SIZE: f32 = 9.5;
const HEADING_SIZES: [f32; 6] = [20.0, 16.5, 14.0, 12.5, 11.5, 11.0];
/// Indentation of list content and of quotes.
const INDENT: f32 = 20.0;

/// An RGB colour, components 0 to 1.
pub(super) type Rgb = (f32, f32, f32);
const TEXT: Rgb = (0.12, 0.12, 0.12);
const MUTED: Rgb = (0.45, 0.45, 0.45);
const LINK: Rgb = (0.1, 0.37, 0.71);
const CODE: Rgb = (0.55, 0.1, 0.2);

/// One thing drawn on a page.
#[derive(Debug, Clone)]
pub(super) enum Op {
    /// Text on a baseline.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        text: String,
        bold: bool,
        italic: bool,
        color: Rgb,
    },
    /// A straight line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        gray: f32,
    },
    /// A filled rectangle.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// A clickable area that opens a URI.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        uri: String,
    },
}

/// A laid-out page.
#[derive(Debug, Default)]
pub(super) struct Page {
    pub ops: Vec<Op>,
}

/// How a textblock is set.
#[derive(Debug, Clone, Copy)]
struct Setting {
    size: f32,
    leading: f32,
    bold: bool,
    code: bool,
}

/// Where blocks go: left edge, quote bars, a pending list marker.
#[derive(Debug, Clone, Default)]
struct Frame {
    left: f32,
    bars: Vec<f32>,
    marker: Option<String>,
}

/// Lays out `doc` under `title` into pages.
pub(super) fn layout(doc: &Node, title: &str, font: &FontSet<'_>) -> Vec<Page> {
    let mut l = Layout {
        font,
        pages: vec![Page::default()],
        y: MARGIN,
    };
    if !title.trim().is_empty() {
        let setting = Setting {
            size: 24.0,
            leading: 30.0,
            bold: true,
            code: false,
        };
        l.textblock(
            &[plain(title)],
            setting,
            &Frame {
                left: MARGIN,
                ..Frame::default()
            },
        );
        l.y += 4.0;
        l.rule(MARGIN, 0.6);
        l.y += 10.0;
    }
    let frame = Frame {
        left: MARGIN,
        ..Frame::default()
    };
    l.blocks(&doc.content, &frame);
    l.pages
}

struct Layout<'f> {
    font: &'f FontSet<'f>,
    pages: Vec<Page>,
    /// Top of the free space on the current page.
    y: f32,
}

impl Layout<'_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `height` fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN - FOOTER && self.y > MARGIN {
            self.pages.push(Page::default());
            self.y = MARGIN;
        }
    }

    fn blocks(&mut self, nodes: &[Node], frame: &Frame) {
        let mut frame = frame.clone();
        for node in nodes {
            self.block(node, &frame);
            frame.marker = None;
        }
    }

    fn block(&mut self, node: &Node, frame: &Frame) {
        let body = Setting {
            size: BODY_SIZE,
            leading: 15.5,
            bold: false,
            code: false,
        };
        match node.kind.as_str() {
            "paragraph" => {
                self.textblock(&pieces(&node.content), body, frame);
                self.y += 6.0;
            }
            "heading" => {
                let level = node.attr_u64("level").unwrap_or(1).clamp(1, 6) as usize;
                let size = HEADING_SIZES[level - 1];
                let setting = Setting {
                    size,
                    leading: size * 1.3,
                    bold: true,
                    code: false,
                };
                // Keep a heading with the first lines after it.
                self.ensure(size * 1.3 + 2.0 * 15.5 + size * 0.8);
                if self.y > MARGIN {
                    self.y += size * 0.8;
                }
                self.textblock(&pieces(&node.content), setting, frame);
                self.y += size * 0.3;
            }
            "code_block" => {
                let setting = Setting {
                    size: CODE_SIZE,
                    leading: 13.0,
                    bold: false,
                    code: true,
                };
                self.y += 2.0;
                self.textblock(&[plain(&node.plain_text())], setting, frame);
                self.y += 8.0;
            }
            "blockquote" => {
                let mut inner = frame.clone();
                inner.bars.push(frame.left + 2.0);
                inner.left += INDENT;
                self.blocks(&node.content, &inner);
            }
            "bullet_list" | "ordered_list" => {
                let start = node.attr_u64("order").unwrap_or(1);
                for (i, item) in node.content.iter().enumerate() {
                    let marker = if node.kind == "ordered_list" {
                        format!("{}.", start + i as u64)
                    } else {
                        ["\u{2022}", "\u{25e6}", "\u{25aa}"]
                            [((frame.left - MARGIN) / INDENT).round() as usize % 3]
                            .to_owned()
                    };
                    let inner = Frame {
                        left: frame.left + INDENT,
                        bars: frame.bars.clone(),
                        marker: Some(marker),
                    };
                    self.blocks(&item.content, &inner);
                }
            }
            "horizontal_rule" => {
                self.ensure(16.0);
                self.y += 8.0;
                self.rule(frame.left, 0.8);
                self.y += 8.0;
            }
            "text" | "hard_break" | "image" => {
                self.textblock(&pieces(std::slice::from_ref(node)), body, frame);
            }
            _ => self.blocks(&node.content, frame),
        }
    }

    fn rule(&mut self, left: f32, width: f32) {
        let y = self.y;
        self.page().ops.push(Op::Line {
            from: (left, y),
            to: (PAGE_WIDTH - MARGIN, y),
            width,
            gray: 0.7,
        });
    }

    /// Wraps `pieces` into lines and places them.
    fn textblock(&mut self, pieces: &[Piece], setting: Setting, frame: &Frame) {
        let width = PAGE_WIDTH - MARGIN - frame.left - if setting.code { 8.0 } else { 0.0 };
        let lines = wrap(
            pieces,
            width,
            setting.size,
            self.font,
            setting.code,
            setting.bold,
        );
        for (i, line) in lines.iter().enumerate() {
            self.ensure(setting.leading);
            let top = self.y;
            let baseline = top + setting.size * 1.05;
            let mut x = frame.left + if setting.code { 4.0 } else { 0.0 };
            let font = self.font;
            let ops = &mut self.page().ops;
            if setting.code {
                ops.push(Op::Fill {
                    x: frame.left,
                    y: top,
                    w: width + 8.0,
                    h: setting.leading,
                    gray: 0.95,
                });
            }
            for bar in &frame.bars {
                ops.push(Op::Line {
                    from: (*bar, top),
                    to: (*bar, top + setting.leading),
                    width: 2.5,
                    gray: 0.8,
                });
            }
            if i == 0
                && let Some(marker) = &frame.marker
            {
                let variant = Variant {
                    bold: setting.bold,
                    italic: false,
                };
                let w = font.width(marker, setting.size, variant);
                ops.push(text_op(
                    frame.left - 6.0 - w,
                    baseline,
                    setting,
                    marker,
                    &Style::default(),
                    false,
                ));
            }
            for piece in line {
                let w = font.width(&piece.text, setting.size, piece.variant(setting.bold));
                let mut op = text_op(x, baseline, setting, &piece.text, &piece.style, piece.muted);
                if setting.code
                    && let Op::Text { color, .. } = &mut op
                {
                    *color = TEXT;
                }
                ops.push(op);
                let s = &piece.style;
                if s.underline || s.link.is_some() {
                    let y = baseline + setting.size * 0.12;
                    ops.push(Op::Line {
                        from: (x, y),
                        to: (x + w, y),
                        width: 0.6,
                        gray: 0.3,
                    });
                }
                if s.strike {
                    let y = baseline - setting.size * 0.3;
                    ops.push(Op::Line {
                        from: (x, y),
                        to: (x + w, y),
                        width: 0.6,
                        gray: 0.0,
                    });
                }
                if let Some(uri) = &s.link {
                    ops.push(Op::Link {
                        x,
                        y: top,
                        w,
                        h: setting.leading,
                        uri: uri.clone(),
                    });
                }
                x += w;
            }
            self.y += setting.leading;
        }
    }
}

fn text_op(x: f32, baseline: f32, setting: Setting, text: &str, style: &Style, muted: bool) -> Op {
    let color = if muted {
        MUTED
    } else if style.link.is_some() {
        LINK
    } else if style.code {
        CODE
    } else {
        TEXT
    };
    Op::Text {
        x,
        baseline,
        size: setting.size,
        text: text.to_owned(),
        bold: setting.bold || style.strong,
        italic: style.em || muted,
        color,
    }
}

fn plain(text: &str) -> Piece {
    Piece {
        text: text.to_owned(),
        style: Style::default(),
        muted: false,
    }
}

/// Inline nodes as pieces; a hard break is a `\n` piece.
fn pieces(nodes: &[Node]) -> Vec<Piece> {
    nodes
        .iter()
        .map(|node| match node.kind.as_str() {
            "hard_break" => plain("\n"),
            "image" => Piece {
                text: image_label(node),
                style: Style::default(),
                muted: true,
            },
            _ => Piece {
                text: node.text.clone().unwrap_or_else(|| node.plain_text()),
                style: Style::of(node),
                muted: false,
            },
        })
        .collect()
}
