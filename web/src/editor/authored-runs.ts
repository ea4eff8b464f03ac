/**
 * Who wrote which text, as the server records it (`GET /docs/{id}/authorship`:
 * the body's text, its runs by author and the authors), laid onto the
 * editor's document as ProseMirror decorations.
 *
 * The server's text is the document's text nodes in document order, so it
 * equals the editor's text exactly when both show the same state; only then
 * are colours applied.
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Decoration, DecorationSet } from 'prosemirror-view'
import type { AuthoredText } from '../api'
import { safeColor } from '../insights/format'

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
 * Decorations colouring `doc`'s text by author, or null when the server's
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
    const attrs = { class: 'author-text', style: `--author: ${safeColor(author.color)}`, title: author.name }
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
