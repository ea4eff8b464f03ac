//! A PDF written with pdf-writer: A4 pages laid out by `layout`, text in
//! the faces of a [`Fonts`] set (each character in the first family that
//! has it; each used face subset and embedded as a CID font with a
//! ToUnicode map so text can be selected, searched and extracted), links as
//! link annotations, and page numbers in the footer. A character no face
//! has is drawn as a box, keeps its text through `/ActualText`, and is
//! reported in [`PdfExport::missing`].

mod font;
mod fonts;
mod layout;
mod wrap;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::UnicodeCmap;
use pdf_writer::types::{
    ActionType, AnnotationType, CidFontType, FontFlags, SystemInfo, TextRenderingMode,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub use self::fonts::{FAMILIES, Fonts};

use self::font::{FontSet, Run, UsedFace, Variant};
use self::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page, layout};
use super::ExportResult;
use crate::model::Node;

const COMPRESSION_LEVEL: u8 = 6;

/// A PDF and the characters it could not draw.
#[derive(Debug, Clone)]
pub struct PdfExport {
    /// The file.
    pub bytes: Vec<u8>,
    /// Characters no font of the set has, drawn as boxes, in code point
    /// order.
    pub missing: Vec<char>,
}

/// The body as a PDF titled `title`, set in `fonts`.
pub fn pdf(doc: &Node, title: &str, fonts: &Fonts) -> ExportResult<PdfExport> {
    let mut font = FontSet::load(fonts)?;
    let pages = layout(doc, title, &font);
    let total = pages.len();

    // Glyph ids are known only once every page is drawn; content streams are
    // written with the original ids, then rewritten to the subsets' ids.
    let mut contents: Vec<Vec<(Op, Vec<Run>)>> = Vec::with_capacity(total);
    for (index, page) in pages.into_iter().enumerate() {
        let mut ops = Vec::with_capacity(page.ops.len() + 1);
        for op in with_footer(page, index, total) {
            let runs = match &op {
                Op::Text {
                    text, bold, italic, ..
                } => font.encode(
                    text,
                    Variant {
                        bold: *bold,
                        italic: *italic,
                    },
                ),
                _ => Vec::new(),
            };
            ops.push((op, runs));
        }
        contents.push(ops);
    }
    let mut subsets = Vec::new();
    for face in font.used() {
        subsets.push(face.subset()?);
    }
    let remappers: Vec<&subsetter::GlyphRemapper> = subsets.iter().map(|(_, r)| r).collect();
    let resources: Vec<String> = (0..subsets.len()).map(|i| format!("F{}", i + 1)).collect();

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let font_refs: Vec<[Ref; 5]> = subsets
        .iter()
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Quire"));

    let mut page_refs = Vec::with_capacity(total);
    for ops in &contents {
        let page_ref = alloc();
        let content_ref = alloc();
        let links: Vec<(Ref, &Op)> = ops
            .iter()
            .filter(|(op, _)| matches!(op, Op::Link { .. }))
            .map(|(op, _)| (alloc(), op))
            .collect();
        let mut page = pdf.page(page_ref);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_ref);
        {
            let mut resources_dict = page.resources();
            let mut font_dict = resources_dict.fonts();
            for (name, refs) in resources.iter().zip(&font_refs) {
                font_dict.pair(Name(name.as_bytes()), refs[0]);
            }
        }
        if !links.is_empty() {
            page.annotations(links.iter().map(|(r, _)| *r));
        }
        page.finish();
        for (r, op) in &links {
            if let Op::Link { x, y, w, h, uri } = op {
                let mut annotation = pdf.annotation(*r);
                annotation
                    .subtype(AnnotationType::Link)
                    .rect(Rect::new(*x, PAGE_HEIGHT - y - h, x + w, PAGE_HEIGHT - y))
                    .border(0.0, 0.0, 0.0, None);
                annotation
                    .action()
                    .action_type(ActionType::Uri)
                    .uri(Str(uri.as_bytes()));
            }
        }
        let stream = compress_to_vec_zlib(&draw(ops, &remappers, &resources), COMPRESSION_LEVEL);
        pdf.stream(content_ref, &stream).filter(Filter::FlateDecode);
        page_refs.push(page_ref);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(total as i32);

    for (i, (face, (subset, remapper))) in font.used().zip(&subsets).enumerate() {
        write_font(&mut pdf, &face, subset, remapper, font_refs[i], i);
    }
    Ok(PdfExport {
        bytes: pdf.finish(),
        missing: font.missing(),
    })
}

/// The page's ops plus its page number, centred in the footer.
fn with_footer(page: Page, index: usize, total: usize) -> Vec<Op> {
    let mut ops = page.ops;
    let label = format!("{} / {}", index + 1, total);
    ops.push(Op::Text {
        x: PAGE_WIDTH / 2.0 - 12.0,
        baseline: PAGE_HEIGHT - 30.0,
        size: 9.0,
        text: label,
        bold: false,
        italic: false,
        color: (0.45, 0.45, 0.45),
    });
    ops
}

/// The content stream of one page.
fn draw(
    ops: &[(Op, Vec<Run>)],
    remappers: &[&subsetter::GlyphRemapper],
    resources: &[String],
) -> Vec<u8> {
    let mut c = Content::new();
    for (op, runs) in ops {
        match op {
            Op::Text {
                x,
                baseline,
                size,
                color,
                ..
            } => {
                let mut x = *x;
                for run in runs {
                    let mut bytes = Vec::with_capacity(run.glyphs.len() * 2);
                    for glyph in &run.glyphs {
                        let cid = remappers[run.slot].get(*glyph).unwrap_or(0);
                        bytes.extend_from_slice(&cid.to_be_bytes());
                    }
                    c.save_state();
                    c.set_fill_rgb(color.0, color.1, color.2);
                    if let Some(actual) = &run.actual {
                        c.begin_marked_content_with_properties(Name(b"Span"))
                            .properties()
                            .actual_text(TextStr(actual));
                    }
                    c.begin_text();
                    c.set_font(Name(resources[run.slot].as_bytes()), *size);
                    if run.synthetic_bold {
                        c.set_stroke_rgb(color.0, color.1, color.2);
                        c.set_line_width(size * 0.035);
                        c.set_text_rendering_mode(TextRenderingMode::FillStroke);
                    }
                    let slant = if run.synthetic_italic { 0.2 } else { 0.0 };
                    c.set_text_matrix([1.0, 0.0, slant, 1.0, x, PAGE_HEIGHT - baseline]);
                    c.show(Str(&bytes));
                    c.end_text();
                    if run.actual.is_some() {
                        c.end_marked_content();
                    }
                    c.restore_state();
                    x += run.width * size / 1000.0;
                }
            }
            Op::Line {
                from,
                to,
                width,
                gray,
            } => {
                c.save_state();
                c.set_stroke_gray(*gray);
                c.set_line_width(*width);
                c.move_to(from.0, PAGE_HEIGHT - from.1);
                c.line_to(to.0, PAGE_HEIGHT - to.1);
                c.stroke();
                c.restore_state();
            }
            Op::Fill { x, y, w, h, gray } => {
                c.save_state();
                c.set_fill_gray(*gray);
                c.rect(*x, PAGE_HEIGHT - y - h, *w, *h);
                c.fill_nonzero();
                c.restore_state();
            }
            Op::Link { .. } => {}
        }
    }
    c.finish().to_vec()
}

/// The Type0 font of a used face: its CID font, descriptor, subset file and
/// ToUnicode map. `index` makes the subset tag of its name.
fn write_font(
    pdf: &mut Pdf,
    face: &UsedFace<'_>,
    subset: &[u8],
    remapper: &subsetter::GlyphRemapper,
    refs: [Ref; 5],
    index: usize,
) {
    let [type0, cid, descriptor, file, cmap] = refs;
    // A subset font's name carries a tag of six capital letters.
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    let base_name = format!(
        "QUIR{}{}+{}",
        letter(index / 26),
        letter(index),
        face.name()
    );
    let base = Name(base_name.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let cff = face.is_cff();

    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);

    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(base)
        .system_info(system_info)
        .font_descriptor(descriptor);
    if !cff {
        cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    let mut widths = Vec::new();
    for old in face.glyphs().keys() {
        if let Some(new) = remapper.get(*old) {
            widths.push((new, face.glyph_width(*old)));
        }
    }
    widths.sort_by_key(|(cid, _)| *cid);
    let mut w = cid_font.widths();
    for (cid, width) in widths {
        w.consecutive(cid, [width]);
    }
    w.finish();
    cid_font.finish();

    let (ascent, descent, cap_height) = face.vertical_metrics();
    let [x0, y0, x1, y1] = face.bbox();
    let mut flags = FontFlags::NON_SYMBOLIC;
    if face.is_italic() {
        flags |= FontFlags::ITALIC;
    }
    let mut font_descriptor = pdf.font_descriptor(descriptor);
    font_descriptor
        .name(base)
        .flags(flags)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(face.italic_angle())
        .ascent(ascent)
        .descent(descent)
        .cap_height(cap_height)
        .stem_v(80.0);
    if cff {
        font_descriptor.font_file3(file);
    } else {
        font_descriptor.font_file2(file);
    }
    font_descriptor.finish();

    let compressed = compress_to_vec_zlib(subset, COMPRESSION_LEVEL);
    let mut stream = pdf.stream(file, &compressed);
    stream.filter(Filter::FlateDecode);
    if cff {
        stream.pair(Name(b"Subtype"), Name(b"OpenType"));
    } else {
        stream.pair(Name(b"Length1"), subset.len() as i32);
    }
    stream.finish();

    let mut unicode = UnicodeCmap::new(Name(b"Quire-UTF16"), system_info);
    for (old, text) in face.glyphs() {
        if let Some(new) = remapper.get(*old) {
            unicode.pair_with_multiple(new, text.chars());
        }
    }
    pdf.cmap(cmap, &unicode.finish());
}
