//! A PDF written with pdf-writer: A4 pages laid out by `layout`, text in the
//! embedded DejaVu Sans (subset, as a CID font with a ToUnicode map so text
//! can be selected, searched and extracted), bold drawn by stroking the
//! glyph outlines, italics by slanting them, links as link annotations, and
//! page numbers in the footer.

mod font;
mod layout;
mod wrap;

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::UnicodeCmap;
use pdf_writer::types::{
    ActionType, AnnotationType, CidFontType, FontFlags, SystemInfo, TextRenderingMode,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use self::font::{FONT_NAME, Font};
use self::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page, layout};
use super::ExportResult;
use crate::model::Node;

const FONT_RESOURCE: Name<'static> = Name(b"F1");
const COMPRESSION_LEVEL: u8 = 6;

/// The body as a PDF titled `title`.
pub fn pdf(doc: &Node, title: &str) -> ExportResult<Vec<u8>> {
    let mut font = Font::load()?;
    let pages = layout(doc, title, &font);
    let total = pages.len();

    // Glyph ids are known only once every page is drawn; content streams are
    // written with the original ids, then rewritten to the subset's ids.
    let mut contents: Vec<Vec<(Op, Vec<u16>)>> = Vec::with_capacity(total);
    for (index, page) in pages.into_iter().enumerate() {
        let mut ops = Vec::with_capacity(page.ops.len() + 1);
        for op in with_footer(page, index, total) {
            let glyphs = match &op {
                Op::Text { text, .. } => font.encode(text),
                _ => Vec::new(),
            };
            ops.push((op, glyphs));
        }
        contents.push(ops);
    }
    let (subset, remapper) = font.subset()?;

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let type0 = alloc();
    let cid = alloc();
    let descriptor = alloc();
    let file = alloc();
    let cmap = alloc();

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
        page.resources().fonts().pair(FONT_RESOURCE, type0);
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
        let stream = compress_to_vec_zlib(&draw(ops, &remapper), COMPRESSION_LEVEL);
        pdf.stream(content_ref, &stream).filter(Filter::FlateDecode);
        page_refs.push(page_ref);
    }
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(total as i32);

    write_font(
        &mut pdf,
        &font,
        &subset,
        &remapper,
        [type0, cid, descriptor, file, cmap],
    );
    Ok(pdf.finish())
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
fn draw(ops: &[(Op, Vec<u16>)], remapper: &subsetter::GlyphRemapper) -> Vec<u8> {
    let mut c = Content::new();
    for (op, glyphs) in ops {
        match op {
            Op::Text {
                x,
                baseline,
                size,
                bold,
                italic,
                color,
                ..
            } => {
                let mut bytes = Vec::with_capacity(glyphs.len() * 2);
                for glyph in glyphs {
                    let cid = remapper.get(*glyph).unwrap_or(0);
                    bytes.extend_from_slice(&cid.to_be_bytes());
                }
                c.save_state();
                c.set_fill_rgb(color.0, color.1, color.2);
                c.begin_text();
                c.set_font(FONT_RESOURCE, *size);
                if *bold {
                    c.set_stroke_rgb(color.0, color.1, color.2);
                    c.set_line_width(size * 0.035);
                    c.set_text_rendering_mode(TextRenderingMode::FillStroke);
                }
                let slant = if *italic { 0.2 } else { 0.0 };
                c.set_text_matrix([1.0, 0.0, slant, 1.0, *x, PAGE_HEIGHT - baseline]);
                c.show(Str(&bytes));
                c.end_text();
                c.restore_state();
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

/// The Type0 font, its CID font, descriptor, subset file and ToUnicode map.
fn write_font(
    pdf: &mut Pdf,
    font: &Font,
    subset: &[u8],
    remapper: &subsetter::GlyphRemapper,
    refs: [Ref; 5],
) {
    let [type0, cid, descriptor, file, cmap] = refs;
    // A subset font's name carries a six-letter tag.
    let base_name = format!("QUIRE+{FONT_NAME}");
    let base = Name(base_name.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);

    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(system_info)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = Vec::new();
    for old in font.used().keys() {
        if let Some(new) = remapper.get(*old) {
            widths.push((new, font.glyph_width(*old)));
        }
    }
    widths.sort_by_key(|(cid, _)| *cid);
    let mut w = cid_font.widths();
    for (cid, width) in widths {
        w.consecutive(cid, [width]);
    }
    w.finish();
    cid_font.finish();

    let (ascent, descent, cap_height) = font.vertical_metrics();
    let [x0, y0, x1, y1] = font.bbox();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(cap_height)
        .stem_v(80.0)
        .font_file2(file);

    let compressed = compress_to_vec_zlib(subset, COMPRESSION_LEVEL);
    pdf.stream(file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut unicode = UnicodeCmap::new(Name(b"Quire-UTF16"), system_info);
    for (old, text) in font.used() {
        if let Some(new) = remapper.get(*old) {
            unicode.pair_with_multiple(new, text.chars());
        }
    }
    pdf.cmap(cmap, &unicode.finish());
}
