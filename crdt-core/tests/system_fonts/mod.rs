//! The machine's fonts as the server loads them: a fontdb database of the
//! system font directories, read once per test binary.

use std::sync::OnceLock;

use crdt_core::export::Fonts;

/// The fonts found in the system font directories (scripts/test-deps.sh
/// installs DejaVu, Noto CJK and Symbola).
pub fn system() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        Fonts::from_database(&db, |id| db.with_face_data(id, |data, _| data.to_vec()))
    })
}
