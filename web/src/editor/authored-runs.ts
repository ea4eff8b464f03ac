/**
 * Who wrote which text, read from the server's author-coloured HTML export
 * (`export/html?authorship=1`), and laid onto the editor's document as
 * ProseMirror decorations.
 *
 * The export wraps each author's text in `<span class="aN">`, with N an index
 * into its legend, and its text is the document's text in document order. So
 * the export's text, taken from its text blocks, equals the editor's text
 * exactly when both show the same state; only then are colours applied.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Decoration, DecorationSet } from 'prosemirror-view'

/** An author in the export's legend. */
export interface LegendAuthor {
  name: string
  color: string
}

/** A stretch of text by one author, as UTF-16 offsets into the text. */
export interface TextRun {
  start: number
  end: number
  /** Index into the legend; null for text of unknown origin. */
  author: number | null
}

/** The export read back: its authors, its text and who wrote each part of it. */
export interface AuthoredText {
  authors: LegendAuthor[]
  text: string
  runs: TextRun[]
}

const TEXT_BLOCKS = 'p, h1, h2, h3, h4, h5, h6, pre'
const FALLBACK = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf']

function authorIndex (className: string): number | null {
  const match = /(?:^|\s)a(\d+)(?:\s|$)/.exec(className)
  return match === null ? null : Number(match[1])
}

/** Reads an author-coloured HTML export. Nothing in it is run or shown. */
export function parseAuthoredHtml (html: string): AuthoredText {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  const colors = new Map<number, string>()
  const css = [...doc.querySelectorAll('style')].map((s) => s.textContent ?? '').join('\n')
  for (const m of css.matchAll(/\.a(\d+)\{[^}]*border-bottom:\s*2px solid (#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b/g)) {
    colors.set(Number(m[1]), m[2])
  }
  const authors: LegendAuthor[] = []
  for (const item of doc.querySelectorAll('aside.legend li')) {
    const index = authorIndex(item.querySelector('.swatch')?.className ?? '')
    if (index === null) continue
    const name = [...item.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent ?? '').join('').trim()
    authors[index] = { name, color: colors.get(index) ?? FALLBACK[index % FALLBACK.length] }
  }
  const runs: TextRun[] = []
  let text = ''
  const main = doc.querySelector('main') ?? doc.body
  const walker = doc.createTreeWalker(main, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const parent = node.parentElement
    if (parent === null || parent.closest('h1.title, aside.legend') !== null) continue
    // Text outside text blocks is the export's own line breaks between blocks.
    if (parent.closest(TEXT_BLOCKS) === null) continue
    const value = node.textContent ?? ''
    if (value === '') continue
    const span = parent.closest('span')
    const author = span === null ? null : authorIndex(span.className)
    const last = runs[runs.length - 1]
    if (last !== undefined && last.author === author && last.end === text.length) last.end += value.length
    else runs.push({ start: text.length, end: text.length + value.length, author })
    text += value
  }
  // The legend numbers its authors 0..n-1; fill any gap so indices stay valid.
  for (let i = 0; i < authors.length; i++) {
    authors[i] ??= { name: 'Unknown', color: FALLBACK[i % FALLBACK.length] }
  }
  return { authors, text, runs }
}

/** The text nodes of a document with their positions and offsets into its text. */
function textSegments (doc: PMNode): { text: string, segments: Array<{ pos: number, start: number, end: number }> } {
  const segments: Array<{ pos: number, start: number, end: number }> = []
  let text = ''
  doc.descendants((node, pos) => {
    if (node.isText && node.text !== undefined) {
      segments.push({ pos, start: text.length, end: text.length + node.text.length })
      text += node.text
    }
    return true
  })
  return { text, segments }
}

/**
 * Decorations colouring `doc`'s text by author, or null when the export's
 * text differs from the document's (they show different states).
 */
export function authorDecorations (doc: PMNode, authored: AuthoredText): DecorationSet | null {
  const { text, segments } = textSegments(doc)
  if (text !== authored.text) return null
  const decorations: Decoration[] = []
  let s = 0
  for (const run of authored.runs) {
    const author = run.author === null ? undefined : authored.authors[run.author]
    if (author === undefined) continue
    const attrs = { class: 'author-text', style: `--author: ${author.color}`, title: author.name }
    while (s < segments.length && segments[s].end <= run.start) s++
    for (let i = s; i < segments.length && segments[i].start < run.end; i++) {
      const seg = segments[i]
      const from = seg.pos + Math.max(run.start, seg.start) - seg.start
      const to = seg.pos + Math.min(run.end, seg.end) - seg.start
      if (to > from) decorations.push(Decoration.inline(from, to, attrs))
    }
  }
  return DecorationSet.create(doc, decorations)
}
