/**
 * Author colours in the editor: when on, each author's text is tinted in
 * their colour, with a legend above the document.
 *
 * Authorship is the server's record (it binds Yjs client ids to authors), so
 * the colours come from the server (`GET /docs/{id}/authorship`): after the
 * document changes (debounced) the authored runs are fetched and, if their
 * text equals the editor's, laid on as ProseMirror decorations
 * (`authored-runs.ts`). Between refreshes the decorations follow edits;
 * newly typed text stays untinted until the next refresh.
 */
import { Plugin, PluginKey } from 'prosemirror-state'
import type { DecorationSet, EditorView } from 'prosemirror-view'
import type * as Y from 'yjs'
import { h, replaceChildren } from '../dom'
import { fetchAuthorship, type AuthoredText } from '../api'
import { safeColor } from '../insights/format'
import { load, store } from '../storage'
import { authorDecorations } from './authored-runs'

const KEY = 'quire.authorColours'
/** Quiet time after a change before colours are refreshed, and the longest wait while changes go on. */
const DEBOUNCE_MS = 600
const MAX_WAIT_MS = 3000
/** When the server's text showed another state than the editor, try again after this long. */
const RETRY_MS = 1500
const MAX_RETRIES = 4

const pluginKey = new PluginKey<DecorationSet | null>('quire-authorship')

/** Whether author colours were left on in this browser. */
export function authorColoursEnabled (): boolean {
  return load(KEY) === '1'
}

/** The decoration plugin: holds the author decorations, mapped through edits. */
export function authorshipPlugin (): Plugin<DecorationSet | null> {
  return new Plugin<DecorationSet | null>({
    key: pluginKey,
    state: {
      init: () => null,
      apply: (tr, value) => {
        const meta = tr.getMeta(pluginKey) as DecorationSet | null | undefined
        if (meta !== undefined) return meta
        return value === null || !tr.docChanged ? value : value.map(tr.mapping, tr.doc)
      }
    },
    props: {
      decorations: (state) => pluginKey.getState(state) ?? undefined
    }
  })
}

/** Turns author colours on and off for one editor. */
export interface AuthorColours {
  /** The legend, shown above the document while colours are on. */
  legend: HTMLElement
  setEnabled: (enabled: boolean) => void
}

/**
 * Author colours for `view`, showing document `id` whose shared state is
 * `doc`. Starts off; call `setEnabled`.
 */
export function authorColours (view: EditorView, id: string, doc: Y.Doc): AuthorColours {
  const legend = h('ul', { class: 'author-legend', 'aria-label': 'Author colours', hidden: true, 'data-testid': 'author-legend' })
  let enabled = false
  let debounce: number | undefined
  let retry: number | undefined
  let firstPending = 0
  let inFlight = false
  let again = false
  /** Failed or mismatching refreshes in a row; retries stop at MAX_RETRIES. */
  let mismatches = 0

  const showLegend = (authored: AuthoredText): void => {
    // Members by name; the starting text (a template's, an import's) once, apart.
    const entry = (color: string, label: string): HTMLElement => {
      const mark = h('span', { class: 'swatch', 'aria-hidden': 'true' })
      mark.style.background = safeColor(color)
      return h('li', {}, mark, label)
    }
    const starting = authored.authors.find((a) => a.starting)
    replaceChildren(legend,
      ...authored.authors.filter((a) => !a.starting).map((a) => entry(a.color, a.name)),
      ...(starting === undefined ? [] : [entry(starting.color, 'Starting text')]))
  }

  const refresh = async (): Promise<void> => {
    window.clearTimeout(debounce)
    window.clearTimeout(retry)
    firstPending = 0
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    try {
      const authored = await fetchAuthorship(id)
      if (!enabled) return
      showLegend(authored)
      const decorations = authorDecorations(view.state.doc, authored)
      if (decorations !== null) {
        mismatches = 0
        view.dispatch(view.state.tr.setMeta(pluginKey, decorations))
      } else if (++mismatches <= MAX_RETRIES) {
        retry = window.setTimeout(() => { void refresh() }, RETRY_MS)
      }
    } catch {
      // Offline, or the server is busy: try again a few times; the next change also does.
      if (enabled && ++mismatches <= MAX_RETRIES) retry = window.setTimeout(() => { void refresh() }, RETRY_MS * 2)
    } finally {
      inFlight = false
    }
    if (again && enabled) {
      again = false
      void refresh()
    }
  }

  const schedule = (): void => {
    if (!enabled) return
    mismatches = 0
    const now = Date.now()
    if (firstPending === 0) firstPending = now
    window.clearTimeout(debounce)
    const wait = Math.min(DEBOUNCE_MS, Math.max(0, firstPending + MAX_WAIT_MS - now))
    debounce = window.setTimeout(() => { void refresh() }, wait)
  }

  return {
    legend,
    setEnabled: (on: boolean) => {
      store(KEY, on ? '1' : '0')
      view.dom.classList.toggle('show-authors', on)
      legend.hidden = !on
      if (on === enabled) return
      enabled = on
      if (on) {
        doc.on('update', schedule)
        void refresh()
      } else {
        doc.off('update', schedule)
        window.clearTimeout(debounce)
        window.clearTimeout(retry)
        again = false
        firstPending = 0
        view.dispatch(view.state.tr.setMeta(pluginKey, null))
      }
    }
  }
}
