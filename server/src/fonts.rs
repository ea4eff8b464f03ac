//! The fonts of PDF exports: the faces of the system font directories
//! (Debian: fonts-dejavu, fonts-noto-cjk, fonts-symbola) that crdt-core's
//! PDF export draws with, found and read once, on the first PDF export.

use std::sync::OnceLock;

use crdt_core::export::Fonts;

/// The machine's fonts for PDF exports; the first call scans the system
/// font directories and reads the chosen faces, so call it off the async
/// runtime.
pub fn system() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        let fonts = Fonts::from_database(&db, |id| db.with_face_data(id, |data, _| data.to_vec()));
        tracing::info!(families = ?fonts.families(), "PDF export fonts");
        fonts
    })
}
