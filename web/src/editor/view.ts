/** The ProseMirror editor bound to the shared document. */
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { ySyncPlugin, yCursorPlugin, yUndoPlugin } from 'y-prosemirror'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { authorshipPlugin } from './authorship'
import { baseKeys, editorKeymap, markdownRules } from './keys'
import { schema } from './schema'
import { toolbarPlugin } from './toolbar'

/**
 * Mounts an editor for `content` into `mount`, with live cursors from
 * `awareness` and the toolbar rendered into `toolbar`.
 */
export function createEditor (
  mount: HTMLElement,
  toolbar: HTMLElement,
  content: Y.XmlFragment,
  awareness: Awareness
): EditorView {
  const state = EditorState.create({
    schema,
    plugins: [
      ySyncPlugin(content),
      yCursorPlugin(awareness),
      yUndoPlugin(),
      markdownRules(),
      editorKeymap(),
      baseKeys(),
      toolbarPlugin(toolbar),
      authorshipPlugin()
    ]
  })
  return new EditorView(mount, {
    state,
    attributes: {
      class: 'doc-body',
      role: 'textbox',
      'aria-multiline': 'true',
      'aria-label': 'Document text',
      spellcheck: 'true'
    }
  })
}
