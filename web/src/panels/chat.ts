/** The chat panel, bound to the document's `chat` array. */
import type * as Y from 'yjs'
import { h, replaceChildren } from '../dom'
import type { Profile } from '../identity'

/** One chat message as stored in the shared array. */
export interface ChatMessage {
  author: string
  name: string
  text: string
  ts: number
}

const MAX_LENGTH = 2000

/** Reads an array entry as a chat message, or null when it is not one. */
export function asChatMessage (entry: unknown): ChatMessage | null {
  if (typeof entry !== 'object' || entry === null) return null
  const { author, name, text, ts } = entry as Record<string, unknown>
  if (typeof text !== 'string' || typeof ts !== 'number') return null
  return {
    author: typeof author === 'string' ? author : '',
    name: typeof name === 'string' && name !== '' ? name : 'Anonymous',
    text,
    ts
  }
}

/** The chat panel and the hooks the page needs to show and count it. */
export interface ChatPanel {
  element: HTMLElement
  /** Opens or closes the panel; opening clears the unread count. */
  setOpen: (open: boolean) => void
  isOpen: () => boolean
  /** Shows or hides the message form: viewers read the chat but do not write in it. */
  setWritable: (writable: boolean) => void
}

function formatTime (ts: number): string {
  const date = new Date(ts)
  const sameDay = new Date().toDateString() === date.toDateString()
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  return sameDay ? time : `${date.toLocaleDateString()} ${time}`
}

function messageItem (message: ChatMessage, mine: boolean): HTMLElement {
  return h('li', { class: mine ? 'chat-message mine' : 'chat-message' },
    h('div', { class: 'chat-meta' },
      h('span', { class: 'chat-name' }, message.name),
      h('time', { datetime: new Date(message.ts).toISOString() }, formatTime(message.ts))),
    h('p', { class: 'chat-text' }, message.text))
}

/** What the page hears from the chat panel. */
export interface ChatEvents {
  /** The number of messages from others that arrived while the panel was closed. */
  onUnread: (count: number) => void
  /** The panel was opened or closed. */
  onOpenChange: (open: boolean) => void
}

/**
 * Builds the chat panel for `chat`. Messages are sent as `profile()` says who
 * you are at that moment.
 */
export function chatPanel (chat: Y.Array<unknown>, profile: () => Profile, author: () => string | null, events: ChatEvents): ChatPanel {
  const { onUnread, onOpenChange } = events
  let open = false
  let unread = 0
  const list = h('ol', { class: 'chat-list', 'aria-live': 'polite', 'data-testid': 'chat-list' })
  const input = h('input', { type: 'text', maxlength: MAX_LENGTH, placeholder: 'Message', 'aria-label': 'Chat message', autocomplete: 'off' })
  const form = h('form', { class: 'chat-form' },
    input, h('button', { type: 'submit', 'aria-label': 'Send message' }, 'Send'))
  const readOnlyNote = h('p', { class: 'chat-form muted', hidden: true }, 'You can read the chat but not write in it.')
  const element = h('aside', { class: 'chat-panel', id: 'chat-panel', 'aria-label': 'Chat', hidden: true },
    h('header', {},
      h('h2', {}, 'Chat'),
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Close chat', onclick: () => setOpen(false) }, '×')),
    list, form, readOnlyNote)

  const render = (): void => {
    const me = profile().name
    const messages = chat.toArray().map(asChatMessage).filter((m): m is ChatMessage => m !== null)
    replaceChildren(list, ...messages.map((m) => messageItem(m, m.name === me)))
    list.scrollTop = list.scrollHeight
  }

  chat.observe((event) => {
    render()
    if (open || event.transaction.local) return
    let added = 0
    for (const change of event.changes.delta) {
      if (Array.isArray(change.insert)) added += change.insert.length
    }
    if (added > 0) {
      unread += added
      onUnread(unread)
    }
  })

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (text === '') return
    const { name } = profile()
    // The server refuses a message under any author id and name but the
    // ones it took this connection for: wait until it said which.
    const id = author()
    if (id === null) return
    chat.push([{ author: id, name, text: text.slice(0, MAX_LENGTH), ts: Date.now() }])
    input.value = ''
  })

  const setOpen = (next: boolean): void => {
    open = next
    element.hidden = !open
    onOpenChange(open)
    if (open) {
      unread = 0
      onUnread(0)
      render()
      if (!form.hidden) input.focus()
    }
  }

  const setWritable = (writable: boolean): void => {
    form.hidden = !writable
    readOnlyNote.hidden = writable
  }

  render()
  return { element, setOpen, isOpen: () => open, setWritable }
}
