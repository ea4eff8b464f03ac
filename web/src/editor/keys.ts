/** Keyboard shortcuts and Markdown-style input rules. */
import { baseKeymap, chainCommands, exitCode, joinUp, joinDown, selectParentNode } from 'prosemirror-commands'
import {
  ellipsis, emDash, inputRules, textblockTypeInputRule, undoInputRule, wrappingInputRule
} from 'prosemirror-inputrules'
import { keymap } from 'prosemirror-keymap'
import type { Command, Plugin } from 'prosemirror-state'
import { liftListItem, sinkListItem, splitListItem } from 'prosemirror-schema-list'
import { claimKey, redo, undo } from './history'
import { makeParagraph, toggle, toggleCodeBlock, toggleHeading, toggleLink, toggleList, toggleQuote } from './commands'
import { schema } from './schema'

const mac = typeof navigator !== 'undefined' && /Mac|iP(hone|[oa]d)/.test(navigator.platform)

const hardBreak: Command = chainCommands(exitCode, (state, dispatch) => {
  dispatch?.(state.tr.replaceSelectionWith(schema.nodes.hard_break.create()).scrollIntoView())
  return true
})

/** The editor's shortcuts, ahead of ProseMirror's base keymap. */
export function editorKeymap (): Plugin {
  const { nodes, marks } = schema
  const keys: Record<string, Command> = {
    // Undo and redo claim their keys even with nothing to do (see history.ts).
    // With Shift, browsers send 'Z' or 'z' depending on the platform and layout.
    'Mod-z': claimKey(undo),
    'Mod-y': claimKey(redo),
    'Shift-Mod-z': claimKey(redo),
    'Shift-Mod-Z': claimKey(redo),
    Backspace: undoInputRule,
    'Mod-b': toggle(marks.strong),
    'Mod-B': toggle(marks.strong),
    'Mod-i': toggle(marks.em),
    'Mod-I': toggle(marks.em),
    'Mod-u': toggle(marks.underline),
    'Mod-U': toggle(marks.underline),
    'Shift-Mod-x': toggle(marks.strike),
    'Mod-`': toggle(marks.code),
    'Mod-e': toggle(marks.code),
    'Mod-k': toggleLink,
    'Alt-ArrowUp': joinUp,
    'Alt-ArrowDown': joinDown,
    Escape: selectParentNode,
    Enter: splitListItem(nodes.list_item),
    'Mod-[': liftListItem(nodes.list_item),
    'Mod-]': sinkListItem(nodes.list_item),
    Tab: sinkListItem(nodes.list_item),
    'Shift-Tab': liftListItem(nodes.list_item),
    'Shift-Ctrl-0': makeParagraph,
    'Shift-Ctrl-1': toggleHeading(1),
    'Shift-Ctrl-2': toggleHeading(2),
    'Shift-Ctrl-3': toggleHeading(3),
    'Shift-Ctrl-7': toggleList(nodes.ordered_list),
    'Shift-Ctrl-8': toggleList(nodes.bullet_list),
    'Shift-Ctrl-9': toggleQuote(),
    'Shift-Ctrl-\\': toggleCodeBlock,
    'Mod-Enter': hardBreak,
    'Shift-Enter': hardBreak
  }
  if (mac) keys['Ctrl-Enter'] = hardBreak
  return keymap(keys)
}

/** ProseMirror's base keymap (Enter, Backspace, Delete, select-all, ...). */
export function baseKeys (): Plugin {
  return keymap(baseKeymap)
}

/**
 * Markdown-style shortcuts at the start of a line: `# ` to `### ` headings,
 * `* `, `- ` or `+ ` bullet lists, `1. ` ordered lists, `> ` quotes and
 * three backticks for a code block; `...` and `--` become typographic.
 */
export function markdownRules (): Plugin {
  const { nodes } = schema
  return inputRules({
    rules: [
      ellipsis,
      emDash,
      wrappingInputRule(/^\s*>\s$/, nodes.blockquote),
      wrappingInputRule(/^(\d+)\.\s$/, nodes.ordered_list,
        (match) => ({ order: Number(match[1]) }),
        (match, node) => node.childCount + Number(node.attrs.order) === Number(match[1])),
      wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list),
      textblockTypeInputRule(/^```$/, nodes.code_block),
      textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading, (match) => ({ level: match[1].length }))
    ]
  })
}
