/** Editing commands shared by the toolbar and the keyboard shortcuts. */
import { setBlockType, toggleMark, wrapIn, lift } from 'prosemirror-commands'
import type { MarkType, NodeType, Attrs } from 'prosemirror-model'
import type { Command, EditorState } from 'prosemirror-state'
import { wrapInList, liftListItem } from 'prosemirror-schema-list'
import { schema } from './schema'
import { isSafeUrl } from './urls'

/** Whether the selection has `type` (at the cursor, in stored marks, or anywhere in the range). */
export function markActive (state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return type.isInSet(state.storedMarks ?? $from.marks()) !== undefined
  return state.doc.rangeHasMark(from, to, type)
}

/** Whether the selection's first textblock is a `type` with `attrs`. */
export function blockActive (state: EditorState, type: NodeType, attrs: Attrs = {}): boolean {
  const { $from, to } = state.selection
  if (to > $from.end()) return false
  const node = $from.parent
  if (node.type !== type) return false
  return Object.entries(attrs).every(([key, value]) => node.attrs[key] === value)
}

/** Whether the selection sits inside a node of `type` (a list or a quote). */
export function insideNode (state: EditorState, type: NodeType): boolean {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    if ($from.node(depth).type === type) return true
  }
  return false
}

/** Toggles a list type: lifts out of it when already inside, wraps otherwise. */
export function toggleList (type: NodeType): Command {
  return (state, dispatch) => {
    if (insideNode(state, type)) return liftListItem(schema.nodes.list_item)(state, dispatch)
    return wrapInList(type)(state, dispatch)
  }
}

/** Toggles a blockquote around the selection. */
export function toggleQuote (): Command {
  return (state, dispatch) => {
    if (insideNode(state, schema.nodes.blockquote)) return lift(state, dispatch)
    return wrapIn(schema.nodes.blockquote)(state, dispatch)
  }
}

/** Makes the selected blocks headings of `level`, or paragraphs when they already are. */
export function toggleHeading (level: number): Command {
  return (state, dispatch) => {
    if (blockActive(state, schema.nodes.heading, { level })) {
      return setBlockType(schema.nodes.paragraph)(state, dispatch)
    }
    return setBlockType(schema.nodes.heading, { level })(state, dispatch)
  }
}

/** Turns the selected blocks into paragraphs. */
export const makeParagraph: Command = setBlockType(schema.nodes.paragraph)

/** Toggles a code block. */
export const toggleCodeBlock: Command = (state, dispatch) => {
  if (blockActive(state, schema.nodes.code_block)) return makeParagraph(state, dispatch)
  return setBlockType(schema.nodes.code_block)(state, dispatch)
}

/** Toggles a mark on the selection. */
export function toggle (type: MarkType): Command {
  return toggleMark(type)
}

/**
 * Removes the link from the selection, or asks for an address and links the
 * selection to it. Needs a non-empty selection to add a link; refuses an
 * address that is not safe to follow (`isSafeUrl`).
 */
export const toggleLink: Command = (state, dispatch) => {
  const link = schema.marks.link
  if (markActive(state, link)) return toggleMark(link)(state, dispatch)
  if (state.selection.empty) return false
  if (dispatch === undefined) return true
  const answer = window.prompt('Link address', 'https://')
  if (answer === null) return false
  const href = answer.trim()
  if (href === '' || href === 'https://') return false
  if (!isSafeUrl(href)) {
    window.alert('A link can lead to a web address (http or https), an email address (mailto:), a phone number (tel:) or a page of this site, not to this address.')
    return false
  }
  return toggleMark(link, { href })(state, dispatch)
}
