/** One open document: the Yjs document, its websocket provider and save status. */
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
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
}

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
  provider.awareness.setLocalStateField('user', { name: profile.name, color: profile.color })
  return {
    doc,
    provider,
    saves,
    content: doc.getXmlFragment('content'),
    meta: doc.getMap('meta'),
    chat: doc.getArray('chat')
  }
}

/** Shows a new name and colour to others now and sends the name on the next connection. */
export function updateProfile (connection: Connection, profile: Profile): void {
  connection.provider.params = connectionParams(profile)
  connection.provider.awareness.setLocalStateField('user', { name: profile.name, color: profile.color })
}
