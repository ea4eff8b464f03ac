//! Line breaking: pieces of styled text into lines no wider than the
//! measure, at spaces, at hard breaks, and inside over-long words.

use super::font::{FontSet, Variant};
use crate::export::inline::Style;

/// A piece of inline text with one style.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    pub text: String,
    pub style: Style,
    /// Shown in grey italics (image placeholders).
    pub muted: bool,
}

impl Piece {
    /// The face variant the piece is set in, in a block that is bold or not.
    pub fn variant(&self, block_bold: bool) -> Variant {
        Variant {
            bold: block_bold || self.style.strong,
            italic: self.style.em || self.muted,
        }
    }
}

/// Breaks pieces into lines no wider than `width`: at spaces, at `\n`, and
/// inside words that are wider than a whole line. Code keeps its spaces;
/// `bold` says whether the whole block is bold (a heading).
pub(super) fn wrap(
    pieces: &[Piece],
    width: f32,
    size: f32,
    font: &FontSet<'_>,
    code: bool,
    bold: bool,
) -> Vec<Vec<Piece>> {
    let mut lines: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut used = 0.0;
    for piece in pieces {
        let variant = piece.variant(bold);
        for (n, segment) in piece.text.split('\n').enumerate() {
            if n > 0 {
                lines.push(Vec::new());
                used = 0.0;
            }
            for word in split_words(segment) {
                let mut word = word.to_owned();
                let is_space = word.chars().all(char::is_whitespace);
                let mut w = font.width(&word, size, variant);
                if used + w > width && used > 0.0 {
                    if is_space && !code {
                        continue;
                    }
                    lines.push(Vec::new());
                    used = 0.0;
                    if is_space {
                        continue;
                    }
                }
                while w > width {
                    // A word wider than the line: break it where it overflows.
                    let mut split = 0;
                    let mut acc = 0.0;
                    for (i, c) in word.char_indices() {
                        acc += font.width(&c.to_string(), size, variant);
                        if acc > width - used && i > 0 {
                            split = i;
                            break;
                        }
                    }
                    if split == 0 {
                        break;
                    }
                    let rest = word.split_off(split);
                    push(lines.last_mut(), &word, piece);
                    lines.push(Vec::new());
                    used = 0.0;
                    word = rest;
                    w = font.width(&word, size, variant);
                }
                used += w;
                push(lines.last_mut(), &word, piece);
            }
        }
    }
    lines
}

/// Words and the runs of spaces between them, in order.
fn split_words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (i, c) in text.char_indices() {
        let space = c == ' ';
        if in_space.is_some_and(|s| s != space) {
            out.push(&text[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Appends text to a line, merging with the last piece when the style is the same.
fn push(line: Option<&mut Vec<Piece>>, text: &str, like: &Piece) {
    let Some(line) = line else { return };
    match line.last_mut() {
        Some(last) if last.style == like.style && last.muted == like.muted => {
            last.text.push_str(text)
        }
        _ => line.push(Piece {
            text: text.to_owned(),
            style: like.style.clone(),
            muted: like.muted,
        }),
    }
}
