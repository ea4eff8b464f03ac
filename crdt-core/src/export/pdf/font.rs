//! The embedded font: DejaVu Sans (Bitstream Vera licence, see
//! `fonts/LICENSE-DejaVu.txt`), measured with ttf-parser and subset with
//! subsetter to the glyphs a document uses.

use std::collections::BTreeMap;

use ttf_parser::{Face, GlyphId};

use crate::export::{ExportError, ExportResult};

/// The font file, compiled into the binary.
pub(super) const FONT_DATA: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// The PostScript name of the font.
pub(super) const FONT_NAME: &str = "DejaVuSans";

/// Metrics of the font and the glyphs used so far.
pub(super) struct Font {
    face: Face<'static>,
    /// 1000 / units per em: converts font units to PDF glyph space.
    scale: f32,
    /// Used glyphs and the text each one stands for.
    used: BTreeMap<u16, String>,
    fallback: GlyphId,
}

impl Font {
    /// Parses the embedded font.
    pub fn load() -> ExportResult<Self> {
        let face = Face::parse(FONT_DATA, 0).map_err(|e| ExportError::Font(e.to_string()))?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        let fallback = face.glyph_index('?').unwrap_or(GlyphId(0));
        Ok(Self {
            face,
            scale,
            used: BTreeMap::new(),
            fallback,
        })
    }

    /// The glyph for a character; characters the font lacks show as `?`.
    pub fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).unwrap_or(self.fallback).0
    }

    /// Width of a glyph in thousandths of the font size.
    pub fn glyph_width(&self, glyph: u16) -> f32 {
        f32::from(self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0)) * self.scale
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.glyph_width(self.glyph(c)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// Glyph ids for `text`, remembering which characters each stands for
    /// (a character the font lacks is drawn, and extracted, as `?`).
    pub fn encode(&mut self, text: &str) -> Vec<u16> {
        text.chars()
            .map(|c| {
                let known = self.face.glyph_index(c).is_some();
                let glyph = self.glyph(c);
                let shown = if known { c } else { '?' };
                self.used.entry(glyph).or_insert_with(|| shown.to_string());
                glyph
            })
            .collect()
    }

    /// The used glyphs with their text, in glyph order.
    pub fn used(&self) -> &BTreeMap<u16, String> {
        &self.used
    }

    /// Ascender, descender and cap height in glyph space.
    pub fn vertical_metrics(&self) -> (f32, f32, f32) {
        let cap = self.face.capital_height().unwrap_or(self.face.ascender());
        (
            f32::from(self.face.ascender()) * self.scale,
            f32::from(self.face.descender()) * self.scale,
            f32::from(cap) * self.scale,
        )
    }

    /// The font's bounding box in glyph space.
    pub fn bbox(&self) -> [f32; 4] {
        let b = self.face.global_bounding_box();
        [
            f32::from(b.x_min) * self.scale,
            f32::from(b.y_min) * self.scale,
            f32::from(b.x_max) * self.scale,
            f32::from(b.y_max) * self.scale,
        ]
    }

    /// The font reduced to the used glyphs, and the map from old glyph ids to
    /// the new ones, which the PDF uses as CIDs.
    pub fn subset(&self) -> ExportResult<(Vec<u8>, subsetter::GlyphRemapper)> {
        let mut remapper = subsetter::GlyphRemapper::new();
        for glyph in self.used.keys() {
            remapper.remap(*glyph);
        }
        let data = subsetter::subset(FONT_DATA, 0, &remapper)
            .map_err(|e| ExportError::Font(format!("{e:?}")))?;
        Ok((data, remapper))
    }
}
