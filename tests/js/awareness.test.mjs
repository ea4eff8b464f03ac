// Awareness (presence): states reach the others, vanish when a client leaves,
// and a lone idle client is never dropped.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { sharedServer, Y, docId, waitFor, rawSocket, roundTrip } from './lib.mjs'

const shared = sharedServer()
const { client } = shared

/** The awareness state `observer` holds for `subject`, or undefined. */
function stateOf (observer, subject) {
  return observer.provider.awareness.getStates().get(subject.doc.clientID)
}

test('awareness states reach the others, late joiners included, and leave with their client', async () => {
  const room = docId('aware')
  const a = client(room)
  const b = client(room)
  await Promise.all([a.synced(), b.synced()])
  a.provider.awareness.setLocalStateField('user', { name: 'Ada', color: '#c0392b' })
  b.provider.awareness.setLocalStateField('user', { name: 'Bo', color: '#2980b9' })
  await waitFor(() => stateOf(b, a)?.user?.name === 'Ada', { message: 'b never saw a' })
  await waitFor(() => stateOf(a, b)?.user?.name === 'Bo', { message: 'a never saw b' })

  // A later joiner is sent the known states without asking.
  const c = client(room)
  await c.synced()
  await waitFor(() => stateOf(c, a)?.user?.name === 'Ada' && stateOf(c, b)?.user?.name === 'Bo',
    { message: () => `c sees ${JSON.stringify([...c.provider.awareness.getStates()])}` })

  // Cursor-like updates are relayed as they change.
  a.provider.awareness.setLocalStateField('cursor', { anchor: 3, head: 7 })
  c.provider.awareness.setLocalStateField('user', { name: 'Cy' })
  await waitFor(() => stateOf(c, a)?.cursor?.head === 7 && stateOf(b, a)?.cursor?.head === 7)
  await waitFor(() => stateOf(a, c)?.user?.name === 'Cy' && stateOf(b, c)?.user?.name === 'Cy')

  // A client that leaves politely: its state goes at once.
  b.destroy()
  await waitFor(() => stateOf(a, b) === undefined && stateOf(c, b) === undefined,
    { timeout: 5000, message: 'b\'s state stayed after it left' })
  assert.equal(stateOf(a, c)?.user?.name, 'Cy', 'c\'s state went with b\'s')
})

test('a connection that drops without a goodbye has its awareness state removed by the server', async () => {
  const room = docId('drop')
  const a = client(room)
  const watcher = client(room)
  await Promise.all([a.synced(), watcher.synced()])
  a.provider.awareness.setLocalStateField('user', { name: 'Gone soon' })
  await waitFor(() => stateOf(watcher, a)?.user?.name === 'Gone soon')
  // How the state went: a message from the server carries the provider as
  // its origin, the watcher's own 30 s expiry 'timeout'.
  let removedBy = null
  watcher.provider.awareness.on('update', ({ removed }, origin) => {
    if (removed.includes(a.doc.clientID) && removedBy === null) removedBy = origin
  })
  // Cut the TCP connection without the null-state message a polite client sends.
  a.provider.shouldConnect = false
  a.socket.terminate()
  await waitFor(() => stateOf(watcher, a) === undefined, { timeout: 60000, message: 'the dropped client\'s state stayed' })
  assert.equal(removedBy, watcher.provider, `removed by ${removedBy}, not by a message from the server`)
  assert.ok(watcher.provider.wsconnected, 'the watcher lost its own connection')
})

test('QueryAwareness is answered with the current states', async () => {
  const room = docId('query')
  const a = client(room)
  const b = client(room)
  await Promise.all([a.synced(), b.synced()])
  a.provider.awareness.setLocalStateField('user', { name: 'Queried' })
  // b joined first, so it learns the state from the server's relay: once it
  // has, the server holds the state and relays nothing more of it.
  await waitFor(() => stateOf(b, a)?.user?.name === 'Queried', { message: 'the server did not relay a\'s state' })
  const raw = await rawSocket(shared.server, room)
  try {
    // The greeting: SyncStep1 and the states known, a's among them.
    await waitFor(() => rawAwareness(raw).get(a.doc.clientID)?.user?.name === 'Queried',
      { message: 'a joiner was not sent a\'s state' })
    raw.messages.length = 0
    raw.send(Uint8Array.of(3))
    const found = await waitFor(() => raw.messages.find((m) => m[0] === 1), { message: 'no awareness reply to QueryAwareness' })
    const observer = new awarenessProtocol.Awareness(new Y.Doc())
    awarenessProtocol.applyAwarenessUpdate(observer, decoding.readVarUint8Array(decoding.createDecoder(found.subarray(1))), 'test')
    assert.equal(observer.getStates().get(a.doc.clientID)?.user?.name, 'Queried')
    observer.destroy()
  } finally {
    raw.terminate()
  }
})

/** The awareness states that a raw socket was sent, applied in order. */
function rawAwareness (raw) {
  const observer = new awarenessProtocol.Awareness(new Y.Doc())
  for (const m of raw.messages) {
    if (m[0] !== 1) continue
    awarenessProtocol.applyAwarenessUpdate(observer, decoding.readVarUint8Array(decoding.createDecoder(m.subarray(1))), 'test')
  }
  const states = new Map(observer.getStates())
  observer.destroy()
  return states
}

test('a lone idle client stays connected past y-websocket\'s 30 s silence timeout; stale states expire', async () => {
  const room = docId('idle')
  const lone = client(room)
  await lone.synced()
  lone.provider.awareness.setLocalStateField('user', { name: 'Patient' })
  // A connection that announces a state once and then says nothing (its
  // websocket still answers pings): the server drops the state after 30 s.
  const ghost = await rawSocket(shared.server, room)
  const ghostAwareness = new awarenessProtocol.Awareness(new Y.Doc())
  ghostAwareness.setLocalStateField('user', { name: 'Ghost' })
  const ghostUpdate = awarenessProtocol.encodeAwarenessUpdate(ghostAwareness, [ghostAwareness.clientID])
  ghostAwareness.destroy()
  ghost.send(Uint8Array.from([1, ...(() => { const e = encoding.createEncoder(); encoding.writeVarUint8Array(e, ghostUpdate); return encoding.toUint8Array(e) })()]))
  await waitFor(() => lone.provider.awareness.getStates().get(ghostAwareness.clientID)?.user?.name === 'Ghost')
  const early = await rawSocket(shared.server, room)
  await waitFor(() => rawAwareness(early).get(ghostAwareness.clientID)?.user?.name === 'Ghost',
    { message: 'a joiner was not sent the ghost\'s fresh state' })
  early.terminate()

  const statuses = []
  lone.provider.on('status', (e) => statuses.push(e.status))
  const socket = lone.socket
  let received = 0
  socket.on('message', () => { received++ })
  // Past 30 s of silence from the ghost: the lone client's own awareness
  // expires its state, and the lone client's renewals went out meanwhile.
  await waitFor(() => lone.provider.awareness.getStates().get(ghostAwareness.clientID) === undefined && received >= 2,
    { timeout: 90000, interval: 200, message: () => `the ghost's state never expired (${received} messages)` })
  assert.deepEqual(statuses, [], 'the provider changed connection status while idle')
  assert.equal(lone.sockets.length, 1, 'the provider opened a new websocket')
  assert.equal(socket.closeCode, null, `the websocket closed with ${socket.closeCode}`)
  assert.ok(lone.provider.wsconnected && lone.provider.synced)
  
  // A joiner now gets the renewed state and not the stale one.
  const late = await rawSocket(shared.server, room)
  try {
    await waitFor(() => rawAwareness(late).get(lone.doc.clientID)?.user?.name === 'Patient',
      { message: 'a joiner was not sent the idle client\'s renewed state' })
    // Ask for the states again: the answer to the query is in once the
    // round trip behind it is.
    const before = late.messages.length
    late.send(Uint8Array.of(3))
    await roundTrip(late)
    assert.ok(late.messages.slice(before).some((m) => m[0] === 1), 'no awareness reply to QueryAwareness')
    const states = rawAwareness(late)
    assert.equal(states.get(ghostAwareness.clientID), undefined,
      `the state silent past 30 s was still sent: ${JSON.stringify([...states])}`)
  } finally {
    late.terminate()
    ghost.terminate()
  }
})
