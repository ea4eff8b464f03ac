/**
 * The formatting toolbar: one button per command, each with an accessible
 * label, showing whether it applies to the selection and whether it can run.
 */
import type { Command, EditorState } from 'prosemirror-state'
import { Plugin } from 'prosemirror-state'
import type { EditorView } from 'prosemirror-view'
import type { UndoManager } from 'yjs'
import { h, svgIcon } from '../dom'
import {
  blockActive, insideNode, makeParagraph, markActive, toggle, toggleCodeBlock,
  toggleHeading, toggleLink, toggleList, toggleQuote
} from './commands'
import { redo, undo, undoManager } from './history'
import { schema } from './schema'

interface ToolbarItem {
  /** Stable name for tests and styling. */
  name: string
  /** What a screen reader says; also the tooltip, with the shortcut. */
  label: string
  shortcut?: string
  /** Text shown on the button, or a function making an icon. */
  icon: string | (() => Node)
  command: Command
  active?: (state: EditorState) => boolean
}

const { nodes, marks } = schema

const linkIcon = (): Node => svgIcon(
  'M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7',
  'M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7')

const groups: ToolbarItem[][] = [
  [
    { name: 'paragraph', label: 'Paragraph', shortcut: 'Ctrl-Shift-0', icon: '¶', command: makeParagraph, active: (s) => blockActive(s, nodes.paragraph) },
    ...[1, 2, 3].map((level) => ({
      name: `heading${level}`,
      label: `Heading ${level}`,
      shortcut: `Ctrl-Shift-${level}`,
      icon: `H${level}`,
      command: toggleHeading(level),
      active: (s: EditorState) => blockActive(s, nodes.heading, { level })
    }))
  ],
  [
    { name: 'bold', label: 'Bold', shortcut: 'Mod-B', icon: 'B', command: toggle(marks.strong), active: (s) => markActive(s, marks.strong) },
    { name: 'italic', label: 'Italic', shortcut: 'Mod-I', icon: 'I', command: toggle(marks.em), active: (s) => markActive(s, marks.em) },
    { name: 'strike', label: 'Strikethrough', shortcut: 'Mod-Shift-X', icon: 'S', command: toggle(marks.strike), active: (s) => markActive(s, marks.strike) },
    { name: 'code', label: 'Inline code', shortcut: 'Mod-E', icon: '</>', command: toggle(marks.code), active: (s) => markActive(s, marks.code) },
    { name: 'link', label: 'Link', shortcut: 'Mod-K', icon: linkIcon, command: toggleLink, active: (s) => markActive(s, marks.link) }
  ],
  [
    { name: 'bullet_list', label: 'Bullet list', shortcut: 'Ctrl-Shift-8', icon: '•≡', command: toggleList(nodes.bullet_list), active: (s) => insideNode(s, nodes.bullet_list) },
    { name: 'ordered_list', label: 'Numbered list', shortcut: 'Ctrl-Shift-7', icon: '1≡', command: toggleList(nodes.ordered_list), active: (s) => insideNode(s, nodes.ordered_list) },
    { name: 'blockquote', label: 'Quote', shortcut: 'Ctrl-Shift-9', icon: '❝', command: toggleQuote(), active: (s) => insideNode(s, nodes.blockquote) },
    { name: 'code_block', label: 'Code block', shortcut: 'Ctrl-Shift-\\', icon: '{ }', command: toggleCodeBlock, active: (s) => blockActive(s, nodes.code_block) }
  ],
  [
    { name: 'undo', label: 'Undo', shortcut: 'Mod-Z', icon: '↶', command: undo },
    { name: 'redo', label: 'Redo', shortcut: 'Mod-Shift-Z', icon: '↷', command: redo }
  ]
]

const mac = /Mac|iP(hone|[oa]d)/.test(navigator.platform)

function describeShortcut (shortcut: string): string {
  return shortcut.replace('Mod', mac ? '⌘' : 'Ctrl').replace(/-/g, '+')
}

class ToolbarView {
  private readonly buttons: Array<{ item: ToolbarItem, button: HTMLButtonElement }> = []
  private readonly refresh = (): void => this.update()

  constructor (private readonly view: EditorView, container: HTMLElement) {
    container.setAttribute('role', 'toolbar')
    container.setAttribute('aria-label', 'Formatting')
    for (const group of groups) {
      const groupEl = h('div', { class: 'toolbar-group', role: 'group' })
      for (const item of group) {
        const tooltip = item.shortcut === undefined ? item.label : `${item.label} (${describeShortcut(item.shortcut)})`
        const button = h('button', {
          type: 'button',
          class: `tool tool-${item.name}`,
          'aria-label': item.label,
          title: tooltip,
          'data-command': item.name
        }, typeof item.icon === 'string' ? item.icon : item.icon())
        // mousedown, not click, so the editor keeps its selection and focus.
        button.addEventListener('mousedown', (event) => {
          event.preventDefault()
          this.run(item)
        })
        button.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault()
            this.run(item)
          }
        })
        groupEl.appendChild(button)
        this.buttons.push({ item, button })
      }
      container.appendChild(groupEl)
    }
    // Undo and redo change availability when the Yjs undo stack changes, which
    // happens after ProseMirror has already told its plugin views.
    const undoManager = this.undoManager()
    undoManager?.on('stack-item-added', this.refresh)
    undoManager?.on('stack-item-popped', this.refresh)
    undoManager?.on('stack-cleared', this.refresh)
    this.update()
  }

  private undoManager (): UndoManager | undefined {
    return undoManager(this.view.state)
  }

  private run (item: ToolbarItem): void {
    item.command(this.view.state, this.view.dispatch, this.view)
    this.view.focus()
  }

  update (): void {
    const state = this.view.state
    for (const { item, button } of this.buttons) {
      const enabled = item.command(state, undefined, this.view)
      button.disabled = !enabled
      if (item.active !== undefined) {
        button.setAttribute('aria-pressed', String(item.active(state)))
      }
    }
  }

  destroy (): void {
    const undoManager = this.undoManager()
    undoManager?.off('stack-item-added', this.refresh)
    undoManager?.off('stack-item-popped', this.refresh)
    undoManager?.off('stack-cleared', this.refresh)
  }
}

/** A plugin that renders the toolbar into `container` and keeps it up to date. */
export function toolbarPlugin (container: HTMLElement): Plugin {
  return new Plugin({
    view: (view) => new ToolbarView(view, container)
  })
}
