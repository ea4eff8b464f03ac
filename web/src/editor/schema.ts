/**
 * The document schema: prosemirror-schema-basic and prosemirror-schema-list
 * plus `strike` and `underline` marks. y-prosemirror deletes any node or mark
 * that the schema does not know, so these names must match the server's
 * (crdt-core `schema::NODES` and `schema::MARKS`).
 *
 * Links and images hold whatever address any client wrote into the shared
 * document; only safe ones (`isSafeUrl`) are rendered with their address or
 * read from pasted HTML.
 */
import { Schema, type MarkSpec, type NodeSpec } from 'prosemirror-model'
import { schema as basic } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'
import { isSafeUrl } from './urls'

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

/** A string attribute of a parsed element, or null. */
const attr = (dom: HTMLElement | string, name: string): string | null =>
  typeof dom === 'string' ? null : dom.getAttribute(name)

/** A link; an unsafe target renders as an `<a>` without `href`, which goes nowhere. */
const link: MarkSpec = {
  ...basic.spec.marks.get('link'),
  parseDOM: [{
    tag: 'a[href]',
    getAttrs: (dom) => {
      const href = attr(dom, 'href')
      return href !== null && isSafeUrl(href) ? { href, title: attr(dom, 'title') } : false
    }
  }],
  toDOM: (mark) => {
    const { href, title } = mark.attrs as { href: string, title: string | null }
    return isSafeUrl(href)
      ? ['a', { href, title }, 0]
      : ['a', { class: 'unsafe-link', title: title ?? 'This link\'s address is not allowed' }, 0]
  }
}

/** An image; an unsafe source renders as an `<img>` without `src`, showing its alt text. */
const image: NodeSpec = {
  ...basic.spec.nodes.get('image'),
  parseDOM: [{
    tag: 'img[src]',
    getAttrs: (dom) => {
      const src = attr(dom, 'src')
      return src !== null && isSafeUrl(src, true) ? { src, alt: attr(dom, 'alt'), title: attr(dom, 'title') } : false
    }
  }],
  toDOM: (node) => {
    const { src, alt, title } = node.attrs as { src: string, alt: string | null, title: string | null }
    return isSafeUrl(src, true)
      ? ['img', { src, alt, title }]
      : ['img', { class: 'unsafe-image', alt: alt ?? 'image not shown: its address is not allowed', title }]
  }
}

/** The schema the editor and the shared document use. */
export const schema = new Schema({
  nodes: addListNodes(basic.spec.nodes.update('image', image), 'paragraph block*', 'block'),
  marks: basic.spec.marks.update('link', link).addToEnd('strike', strike).addToEnd('underline', underline)
})
