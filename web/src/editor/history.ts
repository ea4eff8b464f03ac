/**
 * Undo and redo of one's own changes to the shared document, on a Yjs
 * UndoManager (remote changes are never undone):
 *
 * - Steps are small: a step ends at a pause (the UndoManager's capture
 *   timeout), at a word boundary, when typing turns into deleting or back,
 *   and around every other kind of change (formatting, pasting, lists).
 * - Undoing never leaves the shared document in a shape the editor cannot
 *   show (no blocks at all, or a list without items). If it did, the editor
 *   would write its own filler block back, that write would count as a new
 *   change, and the new change would empty the redo stack: undoing the first
 *   sentence of a new document would make it impossible to redo.
 * - The shortcuts always claim their keys, so a browser's own undo never
 *   touches the editor's DOM and a redo key with nothing to redo does not
 *   fall back to another binding (ProseMirror tries `Mod-z` for
 *   `Shift-Mod-z` when the latter declines).
 */
import type { Node as PMNode } from 'prosemirror-model'
import { Plugin, PluginKey, type Command, type EditorState, type Transaction } from 'prosemirror-state'
import { defaultDeleteFilter, defaultProtectedNodes, ySyncPluginKey, yUndoPlugin, yUndoPluginKey } from 'y-prosemirror'
import * as Y from 'yjs'
import { schema } from './schema'

/** The items a step inserted, as Yjs records them (its DeleteSet type is not exported). */
type Insertions = Y.UndoManager['undoStack'][number]['insertions']

/** The UndoManager behind the editor in `state`, if any. */
export function undoManager (state: EditorState): Y.UndoManager | undefined {
  return yUndoPluginKey.getState(state)?.undoManager
}

/**
 * Undoes one's last step; without `dispatch`, whether there is one. Not in a
 * read-only editor: the UndoManager writes to the shared document directly,
 * past the editor's read-only guard.
 */
export const undo: Command = (state, dispatch, view) => {
  const manager = undoManager(state)
  if (manager === undefined || !manager.canUndo() || view?.editable === false) return false
  if (dispatch !== undefined) manager.undo()
  return true
}

/** Redoes the last undone step; without `dispatch`, whether there is one (not when read-only). */
export const redo: Command = (state, dispatch, view) => {
  const manager = undoManager(state)
  if (manager === undefined || !manager.canRedo() || view?.editable === false) return false
  if (dispatch !== undefined) manager.redo()
  return true
}

/** `command` for a key: runs it if it can, and claims the key either way. */
export function claimKey (command: Command): Command {
  return (state, dispatch, view) => {
    command(state, dispatch, view)
    return true
  }
}

/** The first undeleted child item of a Yjs element or fragment (`_start` is its first item, deleted or not). */
function firstChild (type: Y.XmlElement | Y.XmlFragment): Y.Item | null {
  let item = type._start
  while (item !== null && item.deleted) item = item.right
  return item
}

function elementOf (item: Y.Item): Y.XmlElement | null {
  return item.content instanceof Y.ContentType && item.content.type instanceof Y.XmlElement
    ? item.content.type
    : null
}

/**
 * The blocks of `root` that undoing (or redoing) a step whose insertions are
 * `insertions` removes: the blocks it inserted, or the copies that redoing
 * them made (Yjs redoes a deleted item as a new item, and undoing follows
 * `redone` to it). Call inside the undo's transaction `tr`.
 */
export function removedBlocks (tr: Y.Transaction, root: Y.XmlFragment, insertions: Insertions): Set<Y.Item> {
  const blocks = new Set<Y.Item>()
  Y.iterateDeletedStructs(tr, insertions, (struct) => {
    if (!(struct instanceof Y.Item)) return
    let item: Y.Item = struct
    while (item.redone !== null) {
      const next = Y.getItem(tr.doc.store, item.redone)
      if (!(next instanceof Y.Item)) break
      item = next
    }
    if (item.parent === root && !item.deleted) blocks.add(item)
  })
  return blocks
}

/**
 * Whether an undo (or redo) that removes the blocks `removed` must keep
 * `item`: when they are all the blocks of `root`, the first block stays, and
 * so do its first children as long as their node type cannot be empty (a list
 * keeps its first item, an item its first paragraph). Their text still goes:
 * what is left is an empty block, as in a new document.
 */
export function keptByUndo (root: Y.XmlFragment, removed: Set<Y.Item>, item: Y.Item): boolean {
  if (elementOf(item) === null) return false
  const first = firstChild(root)
  if (first === null) return false
  for (let block: Y.Item | null = first; block !== null; block = block.right) {
    if (!block.deleted && !removed.has(block)) return false
  }
  let node: Y.Item | null = first
  while (node !== null) {
    if (node === item) return true
    const element = elementOf(node)
    if (element === null) return false
    const type = schema.nodes[element.nodeName]
    if (type === undefined || type.contentMatch.validEnd) return false
    node = firstChild(element)
  }
  return false
}

/** A local change to the document, as the undo grouping sees it. */
interface Change {
  kind: 'insert' | 'delete' | 'other'
  /** The first and last characters inserted ('' when none). */
  first: string
  last: string
}

/** What `tr` did, when it is a local edit; null for remote changes, undo and redo. */
export function describeChange (tr: Transaction): Change | null {
  if (!tr.docChanged || tr.getMeta(ySyncPluginKey) !== undefined) return null
  const ui = tr.getMeta('uiEvent')
  if (ui === 'paste' || ui === 'drop' || ui === 'cut') return { kind: 'other', first: '', last: '' }
  let inserted = ''
  let deleted = false
  for (let i = 0; i < tr.steps.length; i++) {
    const step = tr.steps[i]
    if ((step.toJSON() as { stepType?: string }).stepType !== 'replace') return { kind: 'other', first: '', last: '' }
    const after = i + 1 < tr.docs.length ? tr.docs[i + 1] : tr.doc
    step.getMap().forEach((oldStart, oldEnd, newStart, newEnd) => {
      if (oldEnd > oldStart) deleted = true
      if (newEnd > newStart) inserted += after.textBetween(newStart, newEnd, '\n', (leaf: PMNode) => leaf.isText ? '' : '\n')
    })
  }
  if (inserted === '') return deleted ? { kind: 'delete', first: '', last: '' } : { kind: 'other', first: '', last: '' }
  return { kind: 'insert', first: inserted[0], last: inserted[inserted.length - 1] }
}

const space = /\s/

/** Whether the change `next`, after `prev`, starts a new undo step. */
export function startsStep (prev: Change | null, next: Change): boolean {
  if (prev === null) return false
  if (next.kind === 'other' || prev.kind === 'other' || next.kind !== prev.kind) return true
  // A word and the spaces after it make one step; the next word starts another.
  return next.kind === 'insert' && space.test(prev.last) && !space.test(next.first)
}

const groupingKey = new PluginKey<Change | null>('quire-undo-grouping')

/**
 * Ends the current undo step before a change that starts a new one. Must come
 * before ySyncPlugin, whose view writes the change to the shared document:
 * this plugin's view runs first and closes the step the change would join.
 */
function groupingPlugin (manager: Y.UndoManager): Plugin {
  return new Plugin<Change | null>({
    key: groupingKey,
    state: {
      init: () => null,
      apply: (tr) => describeChange(tr)
    },
    view: () => {
      let prev: Change | null = null
      let seen: Change | null = null
      return {
        update: (view) => {
          const change = groupingKey.getState(view.state) ?? null
          // Every view update reads the last transaction's change: act once.
          if (change === null || change === seen) return
          seen = change
          if (startsStep(prev, change)) manager.stopCapturing()
          prev = change
        }
      }
    }
  })
}

/**
 * The undo plugins for an editor on `content`: one goes before ySyncPlugin
 * (the grouping), the other after it (y-prosemirror's undo plugin with this
 * manager).
 */
export function historyPlugins (content: Y.XmlFragment): { before: Plugin, after: Plugin } {
  /** The undo or redo in progress: its transaction, its step's insertions, the blocks it removes. */
  let pop: { tr: Y.Transaction, insertions: Insertions, removed: Set<Y.Item> | null } | null = null
  const keep = (item: Y.Item): boolean => {
    if (pop === null) return false
    pop.removed ??= removedBlocks(pop.tr, content, pop.insertions)
    return keptByUndo(content, pop.removed, item)
  }
  const manager: Y.UndoManager = new Y.UndoManager(content, {
    trackedOrigins: new Set([ySyncPluginKey]),
    captureTransaction: (tr) => tr.meta.get('addToHistory') !== false,
    deleteFilter: (item) => !keep(item) && defaultDeleteFilter(item, defaultProtectedNodes)
  })
  // The step being undone or redone is popped inside the transaction: note
  // it at the transaction's start, for the delete filter.
  const doc = content.doc
  if (doc === null) throw new Error('the document body is not in a Y.Doc')
  doc.on('beforeTransaction', (tr: Y.Transaction) => {
    if (tr.origin !== manager) return
    const stack = manager.undoing ? manager.undoStack : manager.redoStack
    pop = stack.length > 0 ? { tr, insertions: stack[stack.length - 1].insertions, removed: null } : null
  })
  doc.on('afterTransaction', (tr: Y.Transaction) => {
    if (tr.origin === manager) pop = null
  })
  return { before: groupingPlugin(manager), after: yUndoPlugin({ undoManager: manager }) }
}

/** Runs the editor's undo or redo for the browser's own history commands (menus, gestures). */
export function historyInputPlugin (): Plugin {
  return new Plugin({
    props: {
      handleDOMEvents: {
        beforeinput: (view, event) => {
          const command = event.inputType === 'historyUndo' ? undo : event.inputType === 'historyRedo' ? redo : null
          if (command === null) return false
          event.preventDefault()
          command(view.state, view.dispatch, view)
          return true
        }
      }
    }
  })
}
