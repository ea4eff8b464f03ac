// The save status against a scripted server: Saved only once the server has
// acknowledged every frame that carries a local change.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { carriesUpdate, SaveTracker, type SaveState } from '../src/sync/saved'

/** A stand-in for the browser's WebSocket that records what the client sends. */
class FakeSocket {
  static readonly sockets: FakeSocket[] = []
  readonly OPEN = 1
  readyState = 0
  binaryType = 'blob'
  sent: Uint8Array[] = []
  onopen: (() => void) | null = null
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null
  onclose: ((event: { code: number, reason: string }) => void) | null = null
  onerror: (() => void) | null = null

  constructor (readonly url: string) {
    FakeSocket.sockets.push(this)
  }

  send (data: Uint8Array): void {
    this.sent.push(new Uint8Array(data))
  }

  close (): void {
    this.readyState = 3
  }

  open (): void {
    this.readyState = 1
    this.onopen?.()
  }

  receive (bytes: Uint8Array): void {
    this.onmessage?.({ data: bytes.slice().buffer })
  }

  drop (): void {
    this.readyState = 3
    this.onclose?.({ code: 1006, reason: '' })
  }

  /** The update-carrying frames sent so far. */
  updates (): Uint8Array[] {
    return this.sent.filter(carriesUpdate)
  }
}

function message (write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

const syncStep1 = (doc: Y.Doc): Uint8Array => message((e) => {
  encoding.writeVarUint(e, 0)
  syncProtocol.writeSyncStep1(e, doc)
})
const syncStep2 = (doc: Y.Doc): Uint8Array => message((e) => {
  encoding.writeVarUint(e, 0)
  syncProtocol.writeSyncStep2(e, doc)
})
const saved = (n: number): Uint8Array => message((e) => {
  encoding.writeVarUint(e, 100)
  encoding.writeVarUint(e, n)
})

async function until (condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.ok(condition(), 'condition not reached')
}

test('carriesUpdate recognises SyncStep2 and Update frames only', () => {
  assert.equal(carriesUpdate(new Uint8Array([0, 1, 0])), true)
  assert.equal(carriesUpdate(new Uint8Array([0, 2, 0])), true)
  assert.equal(carriesUpdate(new Uint8Array([0, 0, 0])), false)
  assert.equal(carriesUpdate(new Uint8Array([1, 2])), false)
  assert.equal(carriesUpdate(new Uint8Array([0])), false)
})

test('the status follows acknowledgements, reconnects and offline edits', async () => {
  const doc = new Y.Doc()
  const server = new Y.Doc()
  const tracker = new SaveTracker(doc)
  const provider = new WebsocketProvider('ws://quire.test/ws', 'doc', doc, {
    WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    disableBc: true,
    params: { acks: '1' }
  })
  tracker.attach(provider)
  const states: SaveState[] = []
  tracker.subscribe((state) => states.push(state))
  const text = doc.getText('body')
  try {
    assert.equal(tracker.current, 'offline')
    const first = FakeSocket.sockets[0]
    assert.match(first.url, /\/ws\/doc\?acks=1$/)
    first.open()
    assert.equal(tracker.current, 'connecting', 'nothing is saved before the document arrives')
    first.receive(syncStep1(server)) // answered with SyncStep2: frame 1
    assert.equal(first.updates().length, 1)
    first.receive(syncStep2(server))
    assert.equal(tracker.current, 'saved', 'nothing local to save')
    text.insert(0, 'hello') // Update: frame 2
    assert.equal(first.updates().length, 2)
    assert.equal(tracker.current, 'saving')
    first.receive(saved(1))
    assert.equal(tracker.current, 'saving', 'frame 2 carries a newer change')
    first.receive(saved(2))
    assert.equal(tracker.current, 'saved')

    // A change from elsewhere is not ours to save.
    const remote = new Y.Doc()
    remote.getText('body').insert(0, 'remote ')
    first.receive(message((e) => {
      encoding.writeVarUint(e, 0)
      syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(remote))
    }))
    assert.equal(text.toString().includes('remote'), true)
    assert.equal(tracker.current, 'saved')

    // Offline: the change waits, then rides on the next connection's SyncStep2.
    first.drop()
    assert.equal(tracker.current, 'offline')
    text.insert(0, 'offline ')
    assert.equal(tracker.current, 'offline')
    await until(() => FakeSocket.sockets.length === 2)
    const second = FakeSocket.sockets[1]
    second.open()
    assert.equal(tracker.current, 'connecting')
    second.receive(syncStep1(server))
    assert.equal(second.updates().length, 1)
    second.receive(syncStep2(server))
    assert.equal(tracker.current, 'saving', 'the offline change is not saved yet')
    const reply = decoding.createDecoder(second.updates()[0])
    assert.deepEqual([decoding.readVarUint(reply), decoding.readVarUint(reply)], [0, 1])
    second.receive(saved(1))
    assert.equal(tracker.current, 'saved')
    assert.equal(tracker.allSaved, true)

    // An acknowledgement of more frames than were sent changes nothing more.
    second.receive(saved(5))
    assert.equal(tracker.current, 'saved')
    assert.deepEqual(states, ['offline', 'connecting', 'saved', 'saving', 'saved', 'offline', 'connecting', 'saving', 'saved'])
  } finally {
    provider.destroy()
    provider.awareness.destroy()
    tracker.destroy()
  }
})

test('a read-only answer shows as read-only', () => {
  const doc = new Y.Doc()
  const tracker = new SaveTracker(doc)
  const provider = new WebsocketProvider('ws://quire.test/ws', 'ro', doc, {
    WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    disableBc: true
  })
  tracker.attach(provider)
  try {
    const socket = FakeSocket.sockets[FakeSocket.sockets.length - 1]
    socket.open()
    doc.getText('body').insert(0, 'x')
    socket.receive(message((e) => {
      encoding.writeVarUint(e, 2)
      encoding.writeVarUint(e, 0)
      encoding.writeVarString(e, 'read-only')
    }))
    assert.equal(tracker.current, 'read-only')
  } finally {
    provider.destroy()
    provider.awareness.destroy()
    tracker.destroy()
  }
})
