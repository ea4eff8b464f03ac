#![no_main]
//! One Markdown, HTML or plain-text source through import and the writer.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| quire_fuzz::harness::import(data));
