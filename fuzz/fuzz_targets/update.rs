#![no_main]
//! One update through validation, decoding and apply, on an empty and on a
//! populated document.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| quire_fuzz::harness::update(data));
