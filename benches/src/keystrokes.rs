//! A sequential trace replayed on a local document, one v1 update per patch:
//! the stream of remote updates a server receives from one typist.

use std::path::PathBuf;

use yrs::{Doc, GetString, OffsetKind, Options, Text, Transact};

use crate::traces::{Patch, SequentialTrace};

/// The Yjs client id the replayed typist writes under.
pub const TYPIST: u64 = 0x51_0e;

/// A local document whose text offsets count UTF-16 code units, as Yjs does.
pub fn text_doc(client: u64) -> Doc {
    let mut options = Options::with_client_id(yrs::ClientID::new(client));
    options.offset_kind = OffsetKind::Utf16;
    Doc::with_options(options)
}

/// Converts a code point offset in `text` to UTF-16 code units.
fn utf16_offset(text: &str, code_points: usize) -> u32 {
    text.chars()
        .take(code_points)
        .map(char::len_utf16)
        .sum::<usize>() as u32
}

/// Applies one patch (code point positions) to `text` in `txn`. When `shadow`
/// holds the current string it is kept in step, to convert offsets of texts
/// with characters beyond the BMP; pass `None` for ASCII-only traces.
pub fn apply_patch(
    text: &yrs::TextRef,
    txn: &mut yrs::TransactionMut,
    patch: &Patch,
    shadow: Option<&mut String>,
) {
    let Patch(pos, delete, insert) = patch;
    let (at, len) = match shadow {
        Some(s) => {
            let at = utf16_offset(s, *pos);
            let end = utf16_offset(s, pos + delete);
            let byte_at = s.char_indices().nth(*pos).map_or(s.len(), |(i, _)| i);
            let byte_end = s
                .char_indices()
                .nth(pos + delete)
                .map_or(s.len(), |(i, _)| i);
            s.replace_range(byte_at..byte_end, insert);
            (at, end - at)
        }
        None => (*pos as u32, *delete as u32),
    };
    if len > 0 {
        text.remove_range(txn, at, len);
    }
    if !insert.is_empty() {
        text.insert(txn, at, insert);
    }
}

/// Whether every character of the trace is in the BMP, so code points and
/// UTF-16 offsets agree.
fn bmp_only(trace: &SequentialTrace) -> bool {
    let bmp = |s: &str| s.chars().all(|c| c.len_utf16() == 1);
    bmp(&trace.start_content) && trace.patches().all(|p| bmp(&p.2))
}

/// Replays `trace` on a fresh document, one transaction and one v1 update per
/// patch, and checks that the text ends as the trace says.
pub fn generate(trace: &SequentialTrace) -> Vec<Vec<u8>> {
    let doc = text_doc(TYPIST);
    let text = doc.get_or_insert_text("text");
    let mut shadow = (!bmp_only(trace)).then(|| trace.start_content.clone());
    let mut updates = Vec::with_capacity(trace.txns.len() + 1);
    if !trace.start_content.is_empty() {
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, &trace.start_content);
        updates.push(txn.encode_update_v1());
    }
    for patch in trace.patches() {
        let mut txn = doc.transact_mut();
        apply_patch(&text, &mut txn, patch, shadow.as_mut());
        updates.push(txn.encode_update_v1());
    }
    assert_eq!(
        text.get_string(&doc.transact()),
        trace.end_content,
        "replayed text differs from endContent"
    );
    updates
}

fn cache_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target
        .join("quire-bench-cache")
        .join(format!("{name}.keystrokes.v1"))
}

fn encode(updates: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(updates.iter().map(|u| u.len() + 4).sum::<usize>() + 8);
    out.extend_from_slice(b"QKS1");
    out.extend_from_slice(&(updates.len() as u32).to_le_bytes());
    for u in updates {
        out.extend_from_slice(&(u.len() as u32).to_le_bytes());
        out.extend_from_slice(u);
    }
    out
}

fn decode(bytes: &[u8]) -> Option<Vec<Vec<u8>>> {
    let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
        let s = bytes.get(*at..*at + n)?;
        *at += n;
        Some(s)
    };
    let mut at = 0;
    if take(&mut at, 4)? != b"QKS1" {
        return None;
    }
    let count = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
    let mut updates = Vec::with_capacity(count);
    for _ in 0..count {
        let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().ok()?) as usize;
        updates.push(take(&mut at, len)?.to_vec());
    }
    (at == bytes.len()).then_some(updates)
}

/// The keystroke stream of a sequential trace (`automerge-paper`,
/// `seph-blog1`), generated once and cached under `target/quire-bench-cache`.
pub fn stream(name: &str) -> std::io::Result<Vec<Vec<u8>>> {
    let path = cache_path(name);
    if let Ok(bytes) = std::fs::read(&path)
        && let Some(updates) = decode(&bytes)
    {
        return Ok(updates);
    }
    let updates = generate(&SequentialTrace::load(name)?);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, encode(&updates)).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }
    Ok(updates)
}

/// A deterministic synthetic keystroke stream of `n` updates (typing with a
/// wandering cursor and some backspaces) and the text it ends with; for checks
/// that must not depend on the trace files.
pub fn synthetic(n: usize, seed: u64) -> (Vec<Vec<u8>>, String) {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let doc = text_doc(TYPIST);
    let text = doc.get_or_insert_text("text");
    let mut rng = StdRng::seed_from_u64(seed);
    let words = b"the quick brown fox jumps over the lazy dog\n";
    let (mut cursor, mut len) = (0u32, 0u32);
    let mut updates = Vec::with_capacity(n);
    for i in 0..n {
        let mut txn = doc.transact_mut();
        if len > 0 && rng.random_ratio(1, 20) {
            cursor = rng.random_range(0..=len);
        }
        if cursor > 0 && rng.random_ratio(1, 10) {
            text.remove_range(&mut txn, cursor - 1, 1);
            cursor -= 1;
            len -= 1;
        } else {
            let c = words[i % words.len()] as char;
            text.insert(&mut txn, cursor, c.encode_utf8(&mut [0; 4]));
            cursor += 1;
            len += 1;
        }
        updates.push(txn.encode_update_v1());
    }
    let final_text = text.get_string(&doc.transact());
    (updates, final_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_format_round_trips() {
        let updates = vec![vec![1, 2, 3], vec![], vec![9; 300]];
        assert_eq!(decode(&encode(&updates)), Some(updates));
        assert_eq!(decode(b"QKS1\x01\x00\x00\x00"), None);
    }

    #[test]
    fn astral_positions_count_code_points() {
        let trace = SequentialTrace {
            start_content: "a\u{1F600}b".into(),
            end_content: "a\u{1F600}xb".into(),
            txns: vec![crate::traces::SequentialTxn {
                patches: vec![Patch(2, 0, "x".into())],
            }],
        };
        assert_eq!(generate(&trace).len(), 2);
    }
}
