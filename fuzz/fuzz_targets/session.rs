#![no_main]
//! A whole sync session over two or three connections.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| quire_fuzz::harness::session(data));
