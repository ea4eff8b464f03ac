/** The ProseMirror editor bound to the shared document. */
import { EditorState, Plugin } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { ySyncPlugin, ySyncPluginKey, yCursorPlugin } from 'y-prosemirror'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { authorshipPlugin } from './authorship'
import { historyInputPlugin, historyPlugins } from './history'
import { baseKeys, editorKeymap, markdownRules } from './keys'
import { schema } from './schema'
import { toolbarPlugin } from './toolbar'

/**
 * While `editable()` is false, refuses every change to the document except
 * those y-prosemirror makes to show the shared document (remote edits).
 */
export function readOnlyGuard (editable: () => boolean): Plugin {
  return new Plugin({
    filterTransaction: (tr) => editable() || !tr.docChanged || tr.getMeta(ySyncPluginKey) !== undefined
  })
}

/**
 * Mounts an editor for `content` into `mount`, with live cursors from
 * `awareness` and the toolbar rendered into `toolbar`. While `editable()` is
 * false the editor only shows the document (call `view.setProps({})` after
 * it changes).
 */
export function createEditor (
  mount: HTMLElement,
  toolbar: HTMLElement,
  content: Y.XmlFragment,
  awareness: Awareness,
  editable: () => boolean = () => true
): EditorView {
  const history = historyPlugins(content)
  const state = EditorState.create({
    schema,
    plugins: [
      history.before,
      ySyncPlugin(content),
      yCursorPlugin(awareness),
      history.after,
      historyInputPlugin(),
      markdownRules(),
      editorKeymap(),
      baseKeys(),
      toolbarPlugin(toolbar),
      authorshipPlugin(),
      readOnlyGuard(editable)
    ]
  })
  return new EditorView(mount, {
    state,
    editable,
    attributes: () => ({
      class: 'doc-body',
      role: 'textbox',
      'aria-multiline': 'true',
      'aria-readonly': String(!editable()),
      'aria-label': 'Document text',
      spellcheck: 'true'
    })
  })
}
