//! Replays inputs through a fuzz target's checks without libFuzzer:
//! `cargo run --example replay TARGET FILE...` (TARGET: codec, update or
//! session). Whole states are compared unless `QUIRE_FUZZ_STRICT=0`.

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
        other => {
            eprintln!("unknown target {other}: codec, update or session");
            std::process::exit(2);
        }
    };
    for file in files {
        println!("replaying {file}");
        check(&std::fs::read(&file).expect("readable file"));
    }
}
