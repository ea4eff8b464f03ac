/**
 * The document schema: prosemirror-schema-basic and prosemirror-schema-list
 * plus `strike` and `underline` marks. y-prosemirror deletes any node or mark
 * that the schema does not know, so these names must match the server's
 * (crdt-core `schema::NODES` and `schema::MARKS`).
 */
import { Schema, type MarkSpec } from 'prosemirror-model'
import { schema as basic } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'

const strike: MarkSpec = {
  parseDOM: [
    { tag: 's' }, { tag: 'del' }, { tag: 'strike' },
    { style: 'text-decoration', getAttrs: (value) => (value as string).includes('line-through') && null }
  ],
  toDOM: () => ['s', 0]
}

const underline: MarkSpec = {
  parseDOM: [
    { tag: 'u' },
    { style: 'text-decoration', getAttrs: (value) => (value as string).includes('underline') && null }
  ],
  toDOM: () => ['u', 0]
}

/** The schema the editor and the shared document use. */
export const schema = new Schema({
  nodes: addListNodes(basic.spec.nodes, 'paragraph block*', 'block'),
  marks: basic.spec.marks.addToEnd('strike', strike).addToEnd('underline', underline)
})
