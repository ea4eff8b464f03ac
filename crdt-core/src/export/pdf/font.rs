//! The faces of a [`Fonts`] set, parsed with ttf-parser for one export: each
//! character in the first family that has it, in the face of that family
//! closest to the wanted style (a missing bold or italic face is drawn by
//! stroking or slanting the regular one), and subset with subsetter to the
//! glyphs the document uses.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use ttf_parser::{Face, GlyphId};

use super::fonts::{FaceData, Fonts};
use crate::export::{ExportError, ExportResult};

/// Bold and italic, as an index into per-style tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Variant {
    pub bold: bool,
    pub italic: bool,
}

impl Variant {
    fn index(self) -> usize {
        usize::from(self.bold) + 2 * usize::from(self.italic)
    }
}

/// A parsed face.
struct Loaded<'f> {
    face: Face<'f>,
    data: &'f FaceData,
    /// 1000 / units per em: converts font units to PDF glyph space.
    scale: f32,
}

/// Where a style of one family is drawn from.
#[derive(Debug, Clone, Copy)]
struct Choice {
    /// Index into `FontSet::faces`.
    face: usize,
    synthetic_bold: bool,
    synthetic_italic: bool,
}

/// How one character is drawn.
#[derive(Debug, Clone, Copy)]
struct Glyph {
    choice: Choice,
    id: u16,
    /// No face has the character: drawn as the last-resort `.notdef` box.
    missing: bool,
}

/// A run of glyphs of one face and style.
#[derive(Debug, Clone)]
pub(super) struct Run {
    /// Index of the face among the used faces (its font resource).
    pub slot: usize,
    pub glyphs: Vec<u16>,
    /// Advance of the run in thousandths of the font size.
    pub width: f32,
    pub synthetic_bold: bool,
    pub synthetic_italic: bool,
    /// The text the run stands for, when its glyphs alone do not say it
    /// (a missing character's box, a glyph shared by several characters).
    pub actual: Option<String>,
}

/// A face the document uses, with its glyphs and the text of each.
pub(super) struct Used {
    face: usize,
    glyphs: BTreeMap<u16, String>,
}

/// The faces of a font set for one export, and what the export used.
pub(super) struct FontSet<'f> {
    faces: Vec<Loaded<'f>>,
    /// Per style, the families' choices in fallback order.
    chains: [Vec<Choice>; 4],
    /// The embedded last-resort face, whose `.notdef` box stands for
    /// characters no face has.
    last_resort: Choice,
    cache: RefCell<HashMap<(char, usize), Option<Glyph>>>,
    used: Vec<Used>,
    slots: HashMap<usize, usize>,
    missing: BTreeSet<char>,
}

impl<'f> FontSet<'f> {
    /// Parses the faces of `fonts`.
    pub fn load(fonts: &'f Fonts) -> ExportResult<Self> {
        let mut faces = Vec::new();
        let mut chains: [Vec<Choice>; 4] = Default::default();
        for family in fonts.family_list() {
            let first = faces.len();
            for data in &family.faces {
                let Ok(face) = Face::parse(data.bytes(), data.index) else {
                    continue;
                };
                let scale = 1000.0 / f32::from(face.units_per_em().max(1));
                faces.push(Loaded { face, data, scale });
            }
            let parsed = &faces[first..];
            if parsed.is_empty() {
                continue;
            }
            for bold in [false, true] {
                for italic in [false, true] {
                    let variant = Variant { bold, italic };
                    let styled = |b: bool, i: bool| {
                        parsed
                            .iter()
                            .position(|l| l.data.bold == b && l.data.italic == i)
                    };
                    let choice = if let Some(i) = styled(bold, italic) {
                        (i, false, false)
                    } else if let Some(i) = styled(false, italic) {
                        (i, bold, false)
                    } else if let Some(i) = styled(bold, false) {
                        (i, false, italic)
                    } else {
                        (styled(false, false).unwrap_or(0), bold, italic)
                    };
                    chains[variant.index()].push(Choice {
                        face: first + choice.0,
                        synthetic_bold: choice.1,
                        synthetic_italic: choice.2,
                    });
                }
            }
        }
        let last_resort = *chains[0]
            .last()
            .ok_or_else(|| ExportError::Font("no font could be read".to_owned()))?;
        Ok(Self {
            faces,
            chains,
            last_resort,
            cache: RefCell::new(HashMap::new()),
            used: Vec::new(),
            slots: HashMap::new(),
            missing: BTreeSet::new(),
        })
    }

    /// How `c` is drawn in `variant`; `None` for an invisible format
    /// character that no face has (a variation selector, a joiner).
    fn glyph(&self, c: char, variant: Variant) -> Option<Glyph> {
        let key = (c, variant.index());
        if let Some(found) = self.cache.borrow().get(&key) {
            return *found;
        }
        let shown = if c.is_control() { ' ' } else { c };
        let found = self.chains[variant.index()]
            .iter()
            .find_map(|choice| {
                let id = self.faces[choice.face].face.glyph_index(shown)?;
                Some(Glyph {
                    choice: *choice,
                    id: id.0,
                    missing: false,
                })
            })
            .or_else(|| {
                (!is_default_ignorable(c)).then_some(Glyph {
                    choice: Choice {
                        synthetic_bold: variant.bold,
                        synthetic_italic: variant.italic,
                        ..self.last_resort
                    },
                    id: 0,
                    missing: true,
                })
            });
        self.cache.borrow_mut().insert(key, found);
        found
    }

    fn advance(&self, glyph: &Glyph) -> f32 {
        let loaded = &self.faces[glyph.choice.face];
        f32::from(
            loaded
                .face
                .glyph_hor_advance(GlyphId(glyph.id))
                .unwrap_or(0),
        ) * loaded.scale
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32, variant: Variant) -> f32 {
        text.chars()
            .filter_map(|c| self.glyph(c, variant))
            .map(|g| self.advance(&g))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// `text` as runs of glyphs, recording the glyphs used and the text
    /// each stands for, and the characters no face has.
    pub fn encode(&mut self, text: &str, variant: Variant) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for c in text.chars() {
            let Some(glyph) = self.glyph(c, variant) else {
                continue;
            };
            if glyph.missing {
                self.missing.insert(c);
            }
            let width = self.advance(&glyph);
            let slot = self.slot(glyph.choice.face);
            let used = &mut self.used[slot].glyphs;
            let text = if glyph.missing {
                "\u{FFFD}".to_owned()
            } else if c.is_control() {
                " ".to_owned()
            } else {
                c.to_string()
            };
            let recorded = used.entry(glyph.id).or_insert_with(|| text.clone());
            // The glyph extracts as another text: say what this one is.
            let actual = (*recorded != text || glyph.missing).then(|| c.to_string());
            match runs.last_mut() {
                Some(last)
                    if last.slot == slot
                        && last.synthetic_bold == glyph.choice.synthetic_bold
                        && last.synthetic_italic == glyph.choice.synthetic_italic
                        && last.actual.is_none()
                        && actual.is_none() =>
                {
                    last.glyphs.push(glyph.id);
                    last.width += width;
                }
                _ => runs.push(Run {
                    slot,
                    glyphs: vec![glyph.id],
                    width,
                    synthetic_bold: glyph.choice.synthetic_bold,
                    synthetic_italic: glyph.choice.synthetic_italic,
                    actual,
                }),
            }
        }
        runs
    }

    fn slot(&mut self, face: usize) -> usize {
        if let Some(slot) = self.slots.get(&face) {
            return *slot;
        }
        let slot = self.used.len();
        self.used.push(Used {
            face,
            glyphs: BTreeMap::new(),
        });
        self.slots.insert(face, slot);
        slot
    }

    /// The characters no face has, in code point order.
    pub fn missing(&self) -> Vec<char> {
        self.missing.iter().copied().collect()
    }

    /// The used faces, in slot order.
    pub fn used(&self) -> impl Iterator<Item = UsedFace<'_>> {
        self.used.iter().map(|used| UsedFace {
            loaded: &self.faces[used.face],
            glyphs: &used.glyphs,
        })
    }
}

/// A face the document uses.
pub(super) struct UsedFace<'a> {
    loaded: &'a Loaded<'a>,
    glyphs: &'a BTreeMap<u16, String>,
}

impl UsedFace<'_> {
    /// The face's PostScript name.
    pub fn name(&self) -> &str {
        &self.loaded.data.name
    }

    /// Used glyphs with their text, in glyph order.
    pub fn glyphs(&self) -> &BTreeMap<u16, String> {
        self.glyphs
    }

    /// Width of a glyph in thousandths of the font size.
    pub fn glyph_width(&self, glyph: u16) -> f32 {
        f32::from(
            self.loaded
                .face
                .glyph_hor_advance(GlyphId(glyph))
                .unwrap_or(0),
        ) * self.loaded.scale
    }

    /// Whether the outlines are CFF (embedded as OpenType) rather than
    /// TrueType.
    pub fn is_cff(&self) -> bool {
        let tables = self.loaded.face.tables();
        tables.cff.is_some()
            || self
                .loaded
                .face
                .raw_face()
                .table(ttf_parser::Tag::from_bytes(b"CFF2"))
                .is_some()
    }

    pub fn is_italic(&self) -> bool {
        self.loaded.data.italic
    }

    pub fn italic_angle(&self) -> f32 {
        self.loaded.face.italic_angle()
    }

    /// Ascender, descender and cap height in glyph space.
    pub fn vertical_metrics(&self) -> (f32, f32, f32) {
        let face = &self.loaded.face;
        let cap = face.capital_height().unwrap_or(face.ascender());
        let scale = self.loaded.scale;
        (
            f32::from(face.ascender()) * scale,
            f32::from(face.descender()) * scale,
            f32::from(cap) * scale,
        )
    }

    /// The font's bounding box in glyph space.
    pub fn bbox(&self) -> [f32; 4] {
        let b = self.loaded.face.global_bounding_box();
        let scale = self.loaded.scale;
        [
            f32::from(b.x_min) * scale,
            f32::from(b.y_min) * scale,
            f32::from(b.x_max) * scale,
            f32::from(b.y_max) * scale,
        ]
    }

    /// The face reduced to the used glyphs, and the map from old glyph ids
    /// to the new ones, which the PDF uses as CIDs.
    pub fn subset(&self) -> ExportResult<(Vec<u8>, subsetter::GlyphRemapper)> {
        let mut remapper = subsetter::GlyphRemapper::new();
        for glyph in self.glyphs.keys() {
            remapper.remap(*glyph);
        }
        let data = subsetter::subset(self.loaded.data.bytes(), self.loaded.data.index, &remapper)
            .map_err(|e| ExportError::Font(format!("{}: {e:?}", self.name())))?;
        Ok((data, remapper))
    }
}

/// Characters that are invisible by default (variation selectors, joiners,
/// bidirectional marks): when no face has them they are left out rather
/// than drawn as a box.
fn is_default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}
