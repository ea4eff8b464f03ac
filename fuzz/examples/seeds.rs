//! Writes the seed corpus into fuzz/corpus/{codec,update,session,import}/:
//! `cargo run --example seeds` from fuzz/. Minimize afterwards with
//! `cargo fuzz cmin` (see scripts/fuzz.sh).

use std::path::Path;

use quire_fuzz::seeds;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, inputs) in [
        ("codec", seeds::frames()),
        ("update", seeds::updates()),
        ("session", seeds::sessions()),
        ("import", seeds::imports()),
    ] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in &inputs {
            eprintln!("{target}/{name}");
            // Also run each seed through its target's checks.
            match target {
                "codec" => quire_fuzz::harness::codec(bytes),
                "update" => quire_fuzz::harness::update(bytes),
                "import" => quire_fuzz::harness::import(bytes),
                _ => quire_fuzz::harness::session(bytes),
            }
            std::fs::write(dir.join(format!("seed-{name}")), bytes)?;
        }
        println!("{target}: {} seeds", inputs.len());
    }
    Ok(())
}
