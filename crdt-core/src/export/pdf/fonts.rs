//! The font set a PDF export draws with: faces the caller found on the
//! machine, grouped by family in fallback order, with the embedded DejaVu
//! Sans as the last resort. Building it reads no files: the caller loads a
//! [`fontdb::Database`] (from the system's font directories, say) and hands
//! over each chosen face's bytes through a closure.

use std::fmt;
use std::sync::Arc;

/// The embedded last-resort font, compiled into the binary.
pub(super) const BUILTIN_DATA: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The families the PDF export draws with, in fallback order: a character
/// is set in the first family that has it. DejaVu Sans covers Latin, Greek
/// and Cyrillic; Noto Sans CJK the Chinese, Japanese and Korean scripts;
/// Symbola (a monochrome outline font, which PDF viewers can draw and
/// pdftotext can read, unlike colour bitmap emoji fonts) emoji and symbols;
/// the Noto families the other scripts.
pub const FAMILIES: &[&str] = &[
    "DejaVu Sans",
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Symbola",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Sans Math",
    "Noto Emoji",
];

/// A font file's bytes, shared by the faces in it.
pub(super) type Bytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// One face: its bytes and how it is styled.
#[derive(Clone)]
pub(super) struct FaceData {
    pub data: Bytes,
    /// The face's index in a collection (`.ttc`), else 0.
    pub index: u32,
    /// The PostScript name, as the PDF names the font.
    pub name: String,
    pub bold: bool,
    pub italic: bool,
}

impl FaceData {
    pub fn bytes(&self) -> &[u8] {
        (*self.data).as_ref()
    }
}

/// The faces of one family.
#[derive(Clone)]
pub(super) struct Family {
    pub name: String,
    pub faces: Vec<FaceData>,
}

/// The faces a PDF export may embed. Cheap to clone (the font bytes are
/// shared); build it once, at startup.
#[derive(Clone)]
pub struct Fonts {
    families: Vec<Family>,
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for family in &self.families {
            for face in &family.faces {
                list.entry(&face.name);
            }
        }
        list.finish()
    }
}

impl Default for Fonts {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Fonts {
    /// Only the embedded DejaVu Sans (regular; bold and italic are then
    /// drawn by stroking and slanting it).
    pub fn builtin() -> Self {
        let builtin = FaceData {
            data: Arc::new(BUILTIN_DATA),
            index: 0,
            name: "DejaVuSans".to_owned(),
            bold: false,
            italic: false,
        };
        Self {
            families: vec![Family {
                name: "DejaVu Sans (embedded)".to_owned(),
                faces: vec![builtin],
            }],
        }
    }

    /// The faces of [`FAMILIES`] that `db` knows (regular, bold, italic and
    /// bold italic where the family has them), before the embedded font.
    /// `load` returns a face's font file (the whole file; the face's index
    /// in it is the database's); it is the only way font bytes are read, so
    /// the caller decides how, for example
    /// `|id| db.with_face_data(id, |data, _| data.to_vec())`. Faces that
    /// fail to load or parse are skipped.
    pub fn from_database(
        db: &fontdb::Database,
        mut load: impl FnMut(fontdb::ID) -> Option<Vec<u8>>,
    ) -> Self {
        let mut families = Vec::new();
        // Faces of one file share its bytes.
        let mut files: Vec<(String, Bytes)> = Vec::new();
        for wanted in FAMILIES {
            let mut faces = Vec::new();
            for (bold, italic) in [(false, false), (true, false), (false, true), (true, true)] {
                let Some(info) = pick(db, wanted, bold, italic) else {
                    continue;
                };
                let key = source_key(info);
                let shared = files
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, d)| d.clone());
                let data = match shared {
                    Some(data) => data,
                    None => {
                        let Some(bytes) = load(info.id) else { continue };
                        let data: Bytes = Arc::new(bytes);
                        files.push((key, data.clone()));
                        data
                    }
                };
                let name = match ttf_parser::Face::parse((*data).as_ref(), info.index) {
                    Ok(face) => post_script_name(&face, &info.post_script_name),
                    Err(_) => continue,
                };
                faces.push(FaceData {
                    data,
                    index: info.index,
                    name,
                    bold,
                    italic,
                });
            }
            if !faces.is_empty() {
                families.push(Family {
                    name: (*wanted).to_owned(),
                    faces,
                });
            }
        }
        let mut fonts = Self::builtin();
        families.append(&mut fonts.families);
        fonts.families = families;
        fonts
    }

    /// The family names in fallback order.
    pub fn families(&self) -> Vec<&str> {
        self.families.iter().map(|f| f.name.as_str()).collect()
    }

    pub(super) fn family_list(&self) -> &[Family] {
        &self.families
    }
}

/// The face of `family` with this weight class and slant, if any: bold is
/// a weight of 600 or more, regular one from 350 to 550.
fn pick<'d>(
    db: &'d fontdb::Database,
    family: &str,
    bold: bool,
    italic: bool,
) -> Option<&'d fontdb::FaceInfo> {
    db.faces()
        .filter(|info| {
            info.families
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(family))
        })
        .filter(|info| (info.style != fontdb::Style::Normal) == italic)
        .filter(|info| {
            let weight = info.weight.0;
            if bold {
                weight >= 600
            } else {
                (350..=550).contains(&weight)
            }
        })
        // The normal width first, then the weight closest to 700 for bold
        // and to 400 for regular.
        .min_by_key(|info| {
            let target: i32 = if bold { 700 } else { 400 };
            (
                (i32::from(info.stretch.to_number()) - 5).abs(),
                (i32::from(info.weight.0) - target).abs(),
            )
        })
}

/// Identifies a face's file, so that faces of one collection share bytes.
fn source_key(info: &fontdb::FaceInfo) -> String {
    match &info.source {
        fontdb::Source::Binary(data) => format!("binary:{:p}", Arc::as_ptr(data)),
        fontdb::Source::File(path) => format!("file:{}", path.display()),
        #[allow(unreachable_patterns)]
        _ => format!("face:{:?}", info.id),
    }
}

/// A PostScript name fit for a PDF name: printable ASCII without delimiters.
fn post_script_name(face: &ttf_parser::Face<'_>, fallback: &str) -> String {
    let from_face = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string());
    let name = from_face.unwrap_or_else(|| fallback.to_owned());
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic() && !"()<>[]{}/%#".contains(*c))
        .take(60)
        .collect();
    if clean.is_empty() {
        "Font".to_owned()
    } else {
        clean
    }
}
