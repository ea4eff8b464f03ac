//! Shows what yrs makes of an update, to investigate a crasher:
//! `cargo run --example show FILE` prints its blocks and the whole state of
//! a document after applying it and after reloading that state.

use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: show FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(&path).expect("readable file");
    let update = match Update::decode_v1(&data) {
        Ok(update) => update,
        Err(e) => {
            println!("does not decode: {e}");
            return;
        }
    };
    println!("update: {update:#?}");
    let doc = yrs::Doc::new();
    if let Err(e) = doc.transact_mut().apply_update(update) {
        println!("apply failed: {e}");
    }
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    match Update::decode_v1(&state) {
        Ok(state) => println!("state after applying: {state:#?}"),
        Err(e) => println!("the state does not decode: {e}"),
    }
}
