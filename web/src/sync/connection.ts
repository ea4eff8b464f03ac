/** One open document: the Yjs document, its websocket provider and save status. */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { authorSecret, type Profile } from '../identity'
import { SaveTracker } from './saved'

/** The shared parts of an open document. */
export interface Connection {
  doc: Y.Doc
  provider: WebsocketProvider
  saves: SaveTracker
  /** The body, in y-prosemirror's encoding. */
  content: Y.XmlFragment
  /** `title` and `template`. */
  meta: Y.Map<unknown>
  /** Chat messages `{author, name, text, ts}`. */
  chat: Y.Array<unknown>
  /** Who the server takes this connection for, once it said so. */
  identity: () => ServerIdentity | null
  /** Calls `listener` with the identity now if known, and whenever the server tells it. */
  onIdentity: (listener: (identity: ServerIdentity) => void) => void
}

/**
 * Quire's Identity message (101), sent to connections with `acks=1`: the
 * author id the server records, the name it shows (a group member's comes
 * from the membership), the member's role, and the author's one colour.
 */
export interface ServerIdentity {
  author: string
  name: string | null
  role: 'teacher' | 'editor' | 'viewer' | null
  color: string
}

/** The Identity message's type. */
export const MESSAGE_IDENTITY = 101

/** The websocket endpoint of this server: `ws(s)://host/ws`. */
export function websocketBase (): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${window.location.host}/ws`
}

/**
 * The query parameters a connection sends: identity and `acks=1` (a group
 * sign-in travels in the session cookie).
 */
export function connectionParams (profile: Profile): Record<string, string> {
  return { author: authorSecret(), name: profile.name, acks: '1' }
}

/**
 * Close reasons after which reconnecting is pointless: the server deleted the
 * document, or removed the member. (Reconnecting would even write a deleted
 * document back.)
 */
export const FINAL_CLOSE_REASONS: ReadonlySet<string> = new Set(['document deleted', 'access revoked'])

/** Whether to reconnect after the server closed a connection with `code` and `reason`. */
export function shouldReconnect (code: number, reason: string): boolean {
  return !FINAL_CLOSE_REASONS.has(reason) && !(code >= 4400 && code < 4500)
}

/** Opens document `id` and starts syncing it with the server. */
export function openDocument (id: string, profile: Profile): Connection {
  const doc = new Y.Doc()
  // Before the provider, so each local change is counted before it is sent.
  const saves = new SaveTracker(doc)
  const provider = new WebsocketProvider(websocketBase(), id, doc, {
    params: connectionParams(profile),
    shouldReconnect: (event) => shouldReconnect(event.code, event.reason)
  })
  saves.attach(provider)
  let identity: ServerIdentity | null = null
  const listeners: Array<(identity: ServerIdentity) => void> = []
  provider.messageHandlers[MESSAGE_IDENTITY] = (_encoder, decoder) => {
    try {
      identity = JSON.parse(decoding.readVarString(decoder)) as ServerIdentity
    } catch {
      return
    }
    for (const listener of listeners) listener(identity)
  }
  provider.awareness.setLocalStateField('user', { name: profile.name, color: profile.color })
  return {
    doc,
    provider,
    saves,
    content: doc.getXmlFragment('content'),
    meta: doc.getMap('meta'),
    chat: doc.getArray('chat'),
    identity: () => identity,
    onIdentity: (listener) => {
      listeners.push(listener)
      if (identity !== null) listener(identity)
    }
  }
}

/**
 * Shows a new name and colour to others now (the server records the name in
 * the awareness state as the author's name at once) and sends the name on
 * the next connection.
 */
export function updateProfile (connection: Connection, profile: Profile): void {
  connection.provider.params = connectionParams(profile)
  connection.provider.awareness.setLocalStateField('user', { name: profile.name, color: profile.color })
}
