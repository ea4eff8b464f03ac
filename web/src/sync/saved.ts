/**
 * The save status, driven by the server's Saved acknowledgements.
 *
 * The server answers a connection opened with `acks=1` with messages
 * `varUint(100) varUint(n)`: the first n update-carrying frames (SyncStep2
 * `00 01` or Update `00 02`) that this connection sent are durable. We number
 * local document changes, note for each update-carrying frame sent the newest
 * change it carries, and so know the newest change on disk. The counts start
 * again on every connection; a change made while offline is carried by the
 * SyncStep2 that answers the server's SyncStep1 after reconnecting.
 */
import * as decoding from 'lib0/decoding'
import type * as Y from 'yjs'
import type { WebsocketProvider } from 'y-websocket'

/** Quire's own message type: Saved. */
export const MESSAGE_SAVED = 100
/** y-protocols' Auth message type (`02 00 reason` means permission denied). */
export const MESSAGE_AUTH = 2

/** What the status indicator shows. */
export type SaveState = 'saved' | 'saving' | 'connecting' | 'offline' | 'read-only'

/** Whether a frame carries document updates: SyncStep2 `00 01` or Update `00 02`. */
export function carriesUpdate (frame: Uint8Array): boolean {
  return frame.length >= 2 && frame[0] === 0 && (frame[1] === 1 || frame[1] === 2)
}

function bytesOf (data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}

/** Follows local changes and acknowledgements and reports the save state. */
export class SaveTracker {
  /** Number of local changes made to the document so far. */
  private localChanges = 0
  /** The newest local change known to be durable on the server. */
  private durableChange = 0
  /** For each update-carrying frame sent on this connection, the newest change it carried. */
  private sentFrames: number[] = []
  /** How many of this connection's frames were acknowledged (index base of sentFrames). */
  private acked = 0
  private connected = false
  /** Whether this connection has received the server's state (SyncStep2). */
  private synced = false
  private readOnly = false
  private state: SaveState = 'offline'
  private readonly listeners = new Set<(state: SaveState) => void>()

  /**
   * Must be created before the provider, so that its update listener runs
   * before the provider's and a change is counted before it is sent.
   */
  constructor (private readonly doc: Y.Doc) {
    doc.on('update', this.onUpdate)
  }

  private readonly onUpdate = (_update: Uint8Array, origin: unknown): void => {
    // Updates that arrive from the server or another tab carry the provider as origin.
    if (origin !== this.provider) {
      this.localChanges++
      this.publish()
    }
  }

  private provider: WebsocketProvider | null = null

  /** Wires the tracker to a provider: wraps each new socket's send and handles Saved. */
  attach (provider: WebsocketProvider): void {
    this.provider = provider
    provider.messageHandlers[MESSAGE_SAVED] = (_encoder, decoder, p) => {
      if (p.ws !== null) this.acknowledge(decoding.readVarUint(decoder))
    }
    provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
      if (decoding.readVarUint(decoder) === 0) {
        this.readOnly = true
        console.info(`Quire: ${decoding.readVarString(decoder)}`)
        this.publish()
      }
    }
    provider.on('sync', (synced: boolean) => {
      this.synced = synced
      // A closing socket reports `sync: false` before its status: not a
      // moment of Connecting… on the way to Offline.
      this.connected = this.connected && provider.wsconnected
      this.publish()
    })
    provider.on('status', ({ status }) => {
      if (status === 'connected' && provider.ws !== null) {
        this.sentFrames = []
        this.acked = 0
        this.readOnly = false
        this.connected = true
        this.synced = provider.synced
        this.wrapSend(provider.ws)
      } else {
        this.connected = false
        this.synced = false
      }
      this.publish()
    })
  }

  private wrapSend (ws: WebSocket): void {
    const send = ws.send.bind(ws)
    ws.send = (data: Parameters<WebSocket['send']>[0]) => {
      const bytes = bytesOf(data)
      if (bytes !== null && carriesUpdate(bytes)) {
        this.sentFrames.push(this.localChanges)
        this.publish()
      }
      send(data)
    }
  }

  private acknowledge (count: number): void {
    const newly = Math.min(count, this.acked + this.sentFrames.length) - this.acked
    if (newly <= 0) return
    this.durableChange = Math.max(this.durableChange, this.sentFrames[newly - 1])
    this.sentFrames = this.sentFrames.slice(newly)
    this.acked += newly
    this.publish()
  }

  /** Whether every local change is durable on the server. */
  get allSaved (): boolean {
    return this.durableChange >= this.localChanges
  }

  /** The current state. */
  get current (): SaveState {
    return this.state
  }

  /** Calls `listener` now and on every change of state. Returns an unsubscribe function. */
  subscribe (listener: (state: SaveState) => void): () => void {
    this.listeners.add(listener)
    listener(this.state)
    return () => this.listeners.delete(listener)
  }

  private publish (): void {
    let next: SaveState
    if (!this.connected) next = 'offline'
    else if (this.readOnly) next = 'read-only'
    // Until the document has arrived, nothing on screen can be called saved.
    else if (!this.synced) next = 'connecting'
    else next = this.allSaved ? 'saved' : 'saving'
    if (next === this.state) return
    this.state = next
    for (const listener of this.listeners) listener(next)
  }

  /** Stops listening to the document. */
  destroy (): void {
    this.doc.off('update', this.onUpdate)
    this.listeners.clear()
  }
}
