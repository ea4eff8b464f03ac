//! Prints a session fuzz input as its steps: `cargo run --example script FILE`.

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: script FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(&path).expect("readable file");
    let (options, steps) = quire_fuzz::harness::decode_script(&data);
    println!("options {options:#04b}");
    for step in steps {
        match step {
            quire_fuzz::harness::Step::Frame { conn, frame } => {
                println!("conn {conn}: {:?}", crdt_core::protocol::decode(&frame));
                println!("    {frame:02x?}");
            }
            other => println!("{other:?}"),
        }
    }
}
