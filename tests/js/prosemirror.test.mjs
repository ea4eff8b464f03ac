// The server's ProseMirror JSON export against npm y-prosemirror's
// yXmlFragmentToProsemirrorJSON for the same shared document.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Schema, Node } from 'prosemirror-model'
import { schema as basic } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'
import { prosemirrorJSONToYXmlFragment, yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { sharedServer, docId, waitFor, converged } from './lib.mjs'

/** The web client's schema: basic + lists + strike and underline. */
const schema = new Schema({
  nodes: addListNodes(basic.spec.nodes, 'paragraph block*', 'block'),
  marks: basic.spec.marks
    .addToEnd('strike', { parseDOM: [{ tag: 's' }], toDOM: () => ['s', 0] })
    .addToEnd('underline', { parseDOM: [{ tag: 'u' }], toDOM: () => ['u', 0] })
})

const shared = sharedServer()
const { client } = shared

/**
 * A copy of ProseMirror JSON with every `marks` array sorted, so marks compare
 * as sets, and object keys in order, so equal documents stringify alike.
 */
function normalize (json) {
  if (Array.isArray(json)) return json.map(normalize)
  if (json === null || typeof json !== 'object') return json
  const out = {}
  for (const [key, value] of Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out[key] = key === 'marks' && Array.isArray(value)
      ? normalize(value).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
      : normalize(value)
  }
  return out
}

const text = (t, ...marks) => ({ type: 'text', text: t, ...(marks.length ? { marks } : {}) })
const p = (...content) => ({ type: 'paragraph', ...(content.length ? { content } : {}) })
const li = (...content) => ({ type: 'list_item', content })
const strong = { type: 'strong' }
const em = { type: 'em' }
const code = { type: 'code' }
const strike = { type: 'strike' }
const underline = { type: 'underline' }
const link = (href, title = null) => ({ type: 'link', attrs: { href, title } })

/** A document with every node and mark of the schema. */
const RICH = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [text('Group report')] },
    p(
      text('Plain, '), text('bold', strong), text(', '), text('italic', em), text(', '),
      text('bold italic', strong, em), text(', '), text('code()', code), text(', '),
      text('struck', strike), text(', '), text('under', underline), text(', '),
      text('a link', link('https://example.com/a?b=c&d=<e>', 'Example "site"')), text(', '),
      text('an untitled bold link', link('https://example.com/plain'), strong), text('.')
    ),
    p(text('line one'), { type: 'hard_break' }, text('line two', em), { type: 'hard_break' }, text('end')),
    p(
      text('Figure: '),
      { type: 'image', attrs: { src: 'https://example.com/pic.png', alt: 'A picture', title: 'Pic' } },
      { type: 'image', attrs: { src: 'data:image/png;base64,iVBORw0KGgo=', alt: null, title: null } }
    ),
    { type: 'heading', attrs: { level: 2 }, content: [text('Lists with '), text('marks', underline, strike)] },
    {
      type: 'bullet_list',
      content: [
        li(p(text('first'))),
        li(
          p(text('second')),
          {
            type: 'bullet_list',
            content: [
              li(p(text('nested a', code))),
              li(p(text('nested b')), { type: 'ordered_list', attrs: { order: 1 }, content: [li(p(text('deep')))] })
            ]
          }
        ),
        li(p(text('third')), p(text('a second paragraph in the item')))
      ]
    },
    {
      type: 'ordered_list',
      attrs: { order: 3 },
      content: [li(p(text('three'))), li(p(text('four')), { type: 'ordered_list', attrs: { order: 7 }, content: [li(p(text('seven')))] })]
    },
    { type: 'heading', attrs: { level: 6 }, content: [text('Small heading')] },
    {
      type: 'blockquote',
      content: [
        p(text('Quoted '), text('words', strong)),
        { type: 'bullet_list', content: [li(p(text('a quoted item')))] },
        { type: 'blockquote', content: [p(text('nested quote'))] }
      ]
    },
    { type: 'code_block', content: [text('fn main() {\n    println!("<hi> & \'bye\'");\n}\n')] },
    { type: 'horizontal_rule' },
    p(),
    { type: 'heading', attrs: { level: 3 }, content: [text('Unicode: Ünïcödé 日本語 🙂 and *stars* _underscores_ #hash')] },
    p(text('Trailing paragraph with `backticks` and <tags>.'))
  ]
}

/** Waits until the server's JSON export equals y-prosemirror's view of `fragment`. */
async function assertExportMatches (room, fragment) {
  const expected = normalize(yXmlFragmentToProsemirrorJSON(fragment))
  let exported
  try {
    await waitFor(async () => {
      exported = normalize(await shared.server.export(room, 'json'))
      return JSON.stringify(exported) === JSON.stringify(expected)
    }, { timeout: 3000 })
  } catch {
    // deepStrictEqual below shows the difference.
  }
  assert.deepStrictEqual(exported, expected)
  // The export is a valid document of the schema.
  Node.fromJSON(schema, exported).check()
  return exported
}

test('JSON export of a document written by y-prosemirror equals yXmlFragmentToProsemirrorJSON', async () => {
  Node.fromJSON(schema, RICH).check() // the fixture itself is valid
  const room = docId('pm')
  const writer = client(room, { acks: true })
  await writer.synced()
  prosemirrorJSONToYXmlFragment(schema, RICH, writer.fragment)
  await writer.allSaved()
  const exported = await assertExportMatches(room, writer.fragment)
  // y-prosemirror's JSON is the fixture itself, so the export round-trips it.
  assert.deepStrictEqual(normalize(Node.fromJSON(schema, exported).toJSON()), normalize(RICH))
})

test('JSON export follows edits made after the initial content', async () => {
  const room = docId('pm-edit')
  const writer = client(room, { acks: true })
  await writer.synced()
  prosemirrorJSONToYXmlFragment(schema, RICH, writer.fragment)
  // Edit like an editor would: split marks, remove a mark, delete a block, retype.
  const para = writer.fragment.get(1).get(0)
  writer.doc.transact(() => {
    para.format(2, 10, { strong: {} })
    para.format(0, 3, { em: null })
    para.insert(5, 'INSERTED ', { underline: {} })
    para.delete(para.length - 3, 2)
  })
  writer.fragment.delete(writer.fragment.length - 2, 1)
  const h = writer.fragment.get(0)
  h.setAttribute('level', 2)
  await writer.allSaved()
  await assertExportMatches(room, writer.fragment)
  // A second client sees the same.
  const reader = client(room)
  await reader.synced()
  await converged([writer, reader])
  assert.deepStrictEqual(normalize(yXmlFragmentToProsemirrorJSON(reader.fragment)), normalize(yXmlFragmentToProsemirrorJSON(writer.fragment)))
})

test('documents the server writes (Markdown import, templates) read the same in y-prosemirror', async () => {
  const markdown = [
    '# Imported', '',
    'Some **bold**, *em*, `code`, ~~gone~~ and a [link](https://example.com "T").', '',
    '3. three', '4. four', '   - nested', '', '> quoted', '', '```', 'code block', '```', '', '---', '',
    '![alt text](https://example.com/i.png "img")', '', 'hard  ', 'break', ''
  ].join('\n')
  const imported = await shared.server.createDoc({ title: 'Imported' })
  const response = await shared.server.fetch(`/api/v1/docs/${imported}/import?format=md`, { method: 'POST', body: markdown })
  assert.ok(response.ok, `import: ${response.status} ${await response.text()}`)
  const rooms = [imported]
  for (const template of ['meeting-notes', 'project-report', 'group-charter']) rooms.push(await shared.server.createDoc({ title: template, template }))
  for (const room of rooms) {
    const reader = client(room)
    await reader.synced()
    await waitFor(() => reader.fragment.length > 0, { message: `${room} is empty` })
    const json = yXmlFragmentToProsemirrorJSON(reader.fragment)
    // Only names the web client's schema knows, so y-prosemirror deletes nothing.
    Node.fromJSON(schema, json).check()
    await assertExportMatches(room, reader.fragment)
  }
})
