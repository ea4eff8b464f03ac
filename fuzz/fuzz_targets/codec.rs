#![no_main]
//! One websocket frame through the y-protocols codec and presence.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| quire_fuzz::harness::codec(data));
