/**
 * Author colours in the editor.
 *
 * For now this only toggles the `show-authors` class on the editor, which the
 * stylesheet uses to tint each person's cursor and selection more strongly.
 * Hook for the authorship work: `setAuthorColours` is the single place that
 * turns the view on and off; colouring the text by author (from the server's
 * authorship record) belongs here, e.g. as a ProseMirror decoration plugin
 * enabled alongside the class.
 */
import type { EditorView } from 'prosemirror-view'
import { load, store } from '../storage'

const KEY = 'quire.authorColours'

/** Whether author colours were left on in this browser. */
export function authorColoursEnabled (): boolean {
  return load(KEY) === '1'
}

/** Turns author colours on or off for `view` and remembers the choice. */
export function setAuthorColours (view: EditorView, enabled: boolean): void {
  view.dom.classList.toggle('show-authors', enabled)
  store(KEY, enabled ? '1' : '0')
}
