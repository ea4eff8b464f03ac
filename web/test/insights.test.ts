// Pure parts of the insights, history and author-colour code: the timeline's
// arithmetic, history paging and playback steps, and laying the server's
// authorship runs onto an editor document.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EditorState } from 'prosemirror-state'
import type { AuthoredText } from '../src/api'
import { authorDecorations } from '../src/editor/authored-runs'
import { schema } from '../src/editor/schema'
import { nextRevision, stopIndex } from '../src/history/player'
import { pageStart } from '../src/history/revisions'
import { formatShare, safeColor } from '../src/insights/format'
import { layoutTimeline, niceCeiling } from '../src/insights/timeline'
import { revisionFromAddress } from '../src/pages/history'

const alice = { id: 'a', name: 'Alice', color: '#ff0000' }
const bob = { id: 'b', name: 'Bob', color: '#0000ff' }

test('the y axis ends at a round number', () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 240, 999, 1001].map(niceCeiling), [1, 1, 5, 10, 10, 20, 500, 1000, 2000])
})

test('the timeline fills gaps between buckets and stacks authors', () => {
  const minute = 60_000
  const layout = layoutTimeline([
    { start: 10 * minute, authors: { a: { inserted: 30, deleted: 0 }, b: { inserted: 10, deleted: 2 } } },
    { start: 13 * minute, authors: { b: { inserted: 50, deleted: 0 } } }
  ], minute, [alice, bob], { width: 448, height: 234 })
  assert.equal(layout.bars.length, 4)
  assert.deepEqual(layout.bars.map((b) => b.start), [10, 11, 12, 13].map((m) => m * minute))
  assert.deepEqual(layout.bars.map((b) => b.total), [40, 0, 0, 50])
  assert.equal(layout.max, 50)
  const [first] = layout.bars
  const bottom = layout.plot.top + layout.plot.height
  assert.equal(first.segments.length, 2)
  assert.equal(first.segments[0].author, alice)
  assert.ok(Math.abs(first.segments[0].y + first.segments[0].height - bottom) < 1e-9)
  assert.ok(Math.abs(first.segments[0].height - layout.plot.height * 30 / 50) < 1e-9)
  assert.ok(Math.abs(first.segments[1].y + first.segments[1].height - first.segments[0].y) < 1e-9)
  assert.equal(layout.bars[3].segments[0].height, layout.plot.height)
  assert.ok(layout.bars.every((b) => b.x >= layout.plot.left && b.x + b.width <= layout.plot.left + layout.plot.width + 1e-9))
})

test('the timeline keeps only the newest buckets when there are too many', () => {
  const buckets = Array.from({ length: 50 }, (_, i) => ({ start: i * 300_000, authors: { a: { inserted: i, deleted: 0 } } }))
  const layout = layoutTimeline(buckets, 300_000, [alice], { width: 600, height: 200, maxBars: 20 })
  assert.equal(layout.bars.length, 20)
  assert.equal(layout.omitted, 30)
  assert.equal(layout.bars[0].start, 30 * 300_000)
  assert.equal(layoutTimeline([], 300_000, [alice], { width: 600, height: 200 }).bars.length, 0)
})

test('formatting helpers', () => {
  assert.equal(formatShare(0.4253), '42.5%')
  assert.equal(formatShare(1), '100.0%')
  assert.equal(safeColor('#a1B2c3'), '#a1B2c3')
  assert.equal(safeColor('red;background:url(x)'), '#888888')
})

test('history pages and playback steps', () => {
  assert.deepEqual([1, 200, 201, 450].map((r) => pageStart(r, 200)), [1, 1, 201, 401])
  assert.equal(nextRevision(5, 10, 1), 6)
  assert.equal(nextRevision(9, 10, 5), 10)
  // A revision is shown by the first stop (session end) at or after it.
  assert.deepEqual([1, 2, 5, 6, 9, 10].map((r) => stopIndex([2, 5, 9], r)), [0, 0, 1, 2, 2, 2])
  assert.equal(stopIndex([], 3), 0)
  assert.equal(revisionFromAddress('?rev=12'), 12)
  assert.equal(revisionFromAddress('?rev=0'), null)
  assert.equal(revisionFromAddress('?rev=abc'), null)
  assert.equal(revisionFromAddress(''), null)
})

/** A document: heading "Hi", paragraph "ab" + bold "c😀d", an image, then "ef". */
function sampleDoc () {
  const { nodes, marks } = schema
  return nodes.doc.create(null, [
    nodes.heading.create({ level: 1 }, schema.text('Hi')),
    nodes.paragraph.create(null, [schema.text('ab'), schema.text('c😀d', [marks.strong.create()]), nodes.image.create({ src: 'x.png' }), schema.text('ef')])
  ])
}

test('author runs become decorations over the right positions', () => {
  const doc = sampleDoc()
  const authored: AuthoredText = {
    authors: [{ author_id: 'a1', name: 'Alice', color: '#ff0000', starting: false }, { author_id: 'a2', name: 'Bob', color: '#0000ff', starting: false }],
    text: 'Hiabc😀def',
    // "Hi" nobody's, "abc" Alice, "😀de" Bob, "f" Alice
    runs: [{ start: 0, end: 2, author: null }, { start: 2, end: 5, author: 0 }, { start: 5, end: 9, author: 1 }, { start: 9, end: 10, author: 0 }]
  }
  const set = authorDecorations(doc, authored)
  assert.ok(set !== null)
  const found = set.find().map((d) => [doc.textBetween(d.from, d.to), (d as unknown as { type: { attrs: { title: string } } }).type.attrs.title])
  assert.deepEqual(found, [['ab', 'Alice'], ['c', 'Alice'], ['😀d', 'Bob'], ['e', 'Bob'], ['f', 'Alice']])
  // The decorations follow an edit before them.
  const state = EditorState.create({ doc })
  const tr = state.tr.insertText('XY', 5)
  const mapped = set.map(tr.mapping, tr.doc)
  assert.deepEqual(mapped.find().map((d) => tr.doc.textBetween(d.from, d.to)), ['ab', 'c', '😀d', 'e', 'f'])
})

test('no decorations when the export shows another state than the editor', () => {
  const authored: AuthoredText = { authors: [{ author_id: 'a1', name: 'Alice', color: '#ff0000', starting: false }], text: 'Hiabc😀deX', runs: [{ start: 0, end: 11, author: 0 }] }
  assert.equal(authorDecorations(sampleDoc(), authored), null)
})
