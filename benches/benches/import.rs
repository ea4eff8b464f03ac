//! Markdown import at 1, 2, 4 and 8 MB: reading the source and writing the
//! body as one Yjs update, into an empty document (replace) and after a
//! 1 MB body (append). Linear growth shows as times that double with the
//! size; the quadratic writer this replaced took 1.3 s at 1 MB and 210 s at
//! 7.9 MB.

use std::hint::black_box;
use std::sync::Arc;

use bytes::Bytes;
use crdt_core::import::{self, ImportFormat, WriteMode};
use crdt_core::{DecodedUpdate, Document};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// About `bytes` of Markdown: paragraphs with some emphasis and links,
/// headings and list items, as a long report would have.
fn source(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 200);
    let mut i = 0usize;
    while out.len() < bytes {
        match i % 10 {
            0 => out.push_str(&format!("## Section {i}\n\n")),
            1..=3 => out.push_str(&format!("- item {i} with *some* words\n")),
            _ => out.push_str(&format!(
                "\nParagraph {i}: students wrote **together** about [the topic](https://example.org/{i}) and more plain words follow here.\n\n"
            )),
        }
        i += 1;
    }
    out
}

fn with_body(bytes: usize) -> Document {
    let mut document = Document::new();
    let body = ImportFormat::Markdown.read(&source(bytes)).unwrap().doc;
    let update = import::replace_body(&document, &body, 1).unwrap();
    document
        .apply(
            DecodedUpdate::decode(Bytes::from(update)).unwrap(),
            &Arc::from("ann"),
        )
        .unwrap();
    document
}

fn import_sizes(c: &mut Criterion) {
    let mut group = c.benchmark_group("import_markdown");
    group.sample_size(10);
    let empty = Document::new();
    let existing = with_body(1 << 20);
    for mb in [1usize, 2, 4, 8] {
        let text = source(mb << 20);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("replace", format!("{mb}MB")),
            &text,
            |b, text| {
                b.iter(|| {
                    let body = ImportFormat::Markdown.read(text).unwrap().doc;
                    black_box(import::write_body(&empty, &body, 7, WriteMode::Replace).unwrap())
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("append", format!("{mb}MB")),
            &text,
            |b, text| {
                b.iter(|| {
                    let body = ImportFormat::Markdown.read(text).unwrap().doc;
                    black_box(import::write_body(&existing, &body, 7, WriteMode::Append).unwrap())
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, import_sizes);
criterion_main!(benches);
