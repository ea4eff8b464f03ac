// Awareness floods and spoofing: states are bounded in size, a connection
// may speak only for its own client ids, nobody is sent their own state
// back, and relays are coalesced to the newest state per client.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { sharedServer, Y, docId, waitFor, rawSocket, authorSecret } from './lib.mjs'

const shared = sharedServer()
const { client } = shared

/** An awareness frame `01 varUint8Array(update)` with `state` for `clientID` at `clock`. */
function awarenessFrame (clientID, state, clock = 1) {
  const update = encoding.createEncoder()
  encoding.writeVarUint(update, 1)
  encoding.writeVarUint(update, clientID)
  encoding.writeVarUint(update, clock)
  encoding.writeVarString(update, JSON.stringify(state))
  const frame = encoding.createEncoder()
  encoding.writeVarUint(frame, 1)
  encoding.writeVarUint8Array(frame, encoding.toUint8Array(update))
  return encoding.toUint8Array(frame)
}

/** The client ids and states of each awareness frame a raw socket received. */
function awarenessFrames (raw) {
  return raw.messages.filter((m) => m[0] === 1).map((m) => {
    const d = decoding.createDecoder(decoding.readVarUint8Array(decoding.createDecoder(m.subarray(1))))
    const entries = new Map()
    for (let n = decoding.readVarUint(d); n > 0; n--) {
      const id = decoding.readVarUint(d)
      decoding.readVarUint(d)
      entries.set(id, JSON.parse(decoding.readVarString(d)))
    }
    return entries
  })
}

function stateOf (observer, clientID) {
  return observer.provider.awareness.getStates().get(clientID)
}

/** A counter from the server's /metrics. */
async function metric (name) {
  const text = await (await fetch(`${shared.server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  assert.ok(line, `no metric ${name}`)
  return Number(line.split(' ')[1])
}

const randomId = () => Math.floor(Math.random() * 2 ** 31) + 1

test('a connection is never sent its own awareness state back', async () => {
  const room = docId('echo')
  const raw = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  const peer = client(room)
  await peer.synced()
  const me = randomId()
  raw.send(awarenessFrame(me, { user: { name: 'Raw' } }))
  await waitFor(() => stateOf(peer, me)?.user?.name === 'Raw', { message: 'the peer never saw the raw state' })
  // The peer's state comes after the raw one's relay: once it arrived, an
  // echo would have arrived before it.
  peer.provider.awareness.setLocalStateField('user', { name: 'Peer' })
  await waitFor(() => awarenessFrames(raw).some((f) => f.get(peer.doc.clientID)?.user?.name === 'Peer'),
    { message: 'the raw socket never saw the peer' })
  const echoed = awarenessFrames(raw).filter((f) => f.has(me))
  assert.deepEqual(echoed, [], 'the raw socket was sent its own state')
  raw.terminate()
})

test('awareness for another connection\'s client id is dropped and counted', async () => {
  const room = docId('spoof')
  const alice = client(room, { name: 'Alice' })
  const watcher = client(room)
  await Promise.all([alice.synced(), watcher.synced()])
  alice.provider.awareness.setLocalStateField('user', { name: 'Alice' })
  await waitFor(() => stateOf(watcher, alice.doc.clientID)?.user?.name === 'Alice')
  const dropped = await metric('quire_awareness_dropped_total')
  const mallory = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  mallory.send(awarenessFrame(alice.doc.clientID, { user: { name: 'Ms. Teacher (teacher)' } }, 1000))
  // Mallory's own state comes after the spoof: once the watcher has it, the
  // spoof would have arrived.
  const own = randomId()
  mallory.send(awarenessFrame(own, { user: { name: 'Mallory' } }))
  await waitFor(() => stateOf(watcher, own)?.user?.name === 'Mallory')
  assert.equal(stateOf(watcher, alice.doc.clientID)?.user?.name, 'Alice', 'the spoof was relayed')
  assert.ok(await metric('quire_awareness_dropped_total') > dropped, 'the drop was not counted')
  // Alice's own changes still go through.
  alice.provider.awareness.setLocalStateField('user', { name: 'Alice B.' })
  await waitFor(() => stateOf(watcher, alice.doc.clientID)?.user?.name === 'Alice B.')
  mallory.terminate()
})

test('an oversized awareness state is refused; others go on', async () => {
  const room = docId('big')
  const watcher = client(room)
  await watcher.synced()
  const big = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  const id = randomId()
  big.send(awarenessFrame(id, { user: { name: 'Big' }, pad: 'x'.repeat(64 * 1024) }))
  assert.equal(await big.closed, 1008, `closed with ${big.closeCode} ${big.closeReason}`)
  assert.match(big.closeReason, /bytes/)
  assert.equal(stateOf(watcher, id), undefined)
  // One connection may not announce more than a few client ids either.
  const many = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  for (let i = 0; i < 8 && many.closeCode === null; i++) many.send(awarenessFrame(randomId(), { n: i }))
  assert.equal(await many.closed, 1008, `closed with ${many.closeCode} ${many.closeReason}`)
  assert.ok(watcher.provider.wsconnected)
})

test('a burst of awareness changes reaches observers coalesced, newest state last', async () => {
  const room = docId('coalesce')
  const flooder = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  const observer = await rawSocket(shared.server, room, `?author=${authorSecret()}`)
  const id = randomId()
  const count = 200
  const started = Date.now()
  for (let i = 0; i < count; i++) {
    flooder.send(awarenessFrame(id, { cursor: i }, i + 1))
    // Paced, so that the server sees them one at a time.
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await waitFor(() => awarenessFrames(observer).some((f) => f.get(id)?.cursor === count - 1),
    { message: 'the newest state never arrived' })
  const elapsed = Date.now() - started
  const frames = awarenessFrames(observer).filter((f) => f.has(id)).length
  // At most one relay per 50 ms, and one more at each end.
  const bound = Math.floor(elapsed / 50) + 3
  assert.ok(frames <= bound, `${frames} awareness frames in ${elapsed} ms; at most ${bound} expected`)
  flooder.terminate()
  observer.terminate()
})
