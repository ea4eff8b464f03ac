//! Replays inputs through a fuzz target's checks without libFuzzer:
//! `cargo run --example replay TARGET FILE...` (TARGET: codec, update,
//! session, or document: a session's updates applied to a document alone,
//! without the server's policies). Whole states are compared unless
//! `QUIRE_FUZZ_STRICT=0`.

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(target), files) = (args.next(), args.collect::<Vec<_>>()) else {
        eprintln!("usage: replay TARGET FILE...");
        std::process::exit(2);
    };
    let check: fn(&[u8]) = match target.as_str() {
        "codec" => quire_fuzz::harness::codec,
        "update" => quire_fuzz::harness::update,
        "session" => quire_fuzz::harness::session,
        "document" => quire_fuzz::harness::document_only,
        other => {
            eprintln!("unknown target {other}: codec, update, session or document");
            std::process::exit(2);
        }
    };
    for file in files {
        println!("replaying {file}");
        check(&std::fs::read(&file).expect("readable file"));
    }
}
