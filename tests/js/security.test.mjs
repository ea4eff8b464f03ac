// Hostile connections: writing under another author's Yjs client id is
// refused, and malformed frames close only the connection that sent them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import {
  Server, sharedServer, Client, Y, docId, authorSecret, converged, waitFor, sleep, rawSocket, appendParagraph,
  prng, testSeed, withSeed, tempDataDir, plainText, ROOT, roundTrip, documentsLoaded, allUnloaded, MESSAGE_SAVED
} from './lib.mjs'

const shared = sharedServer()
const { client } = shared

/** A y-protocols sync frame: `00 kind varUint8Array(payload)`. */
function syncFrame (kind, payload) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, kind)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Reads `02 00 reason` auth messages out of a raw socket's messages. */
function deniedReasons (raw) {
  return raw.messages.filter((m) => m[0] === 2 && m[1] === 0).map((m) => {
    const d = decoding.createDecoder(m.subarray(2))
    return decoding.readVarString(d)
  })
}

/**
 * An update that continues `victim`'s history under its client id: a copy of
 * the victim's document, switched to its client id, with `text` typed into the
 * first paragraph.
 */
function forgeUpdate (victim, text) {
  const forger = new Y.Doc()
  Y.applyUpdate(forger, Y.encodeStateAsUpdate(victim.doc))
  forger.clientID = victim.doc.clientID
  let forged = null
  forger.on('update', (update) => { forged = update })
  forger.getXmlFragment('content').get(0).get(0).insert(0, text)
  forger.destroy()
  return forged
}

/**
 * Resolves once each of `clients` holds the awareness state of a client that
 * joins `room` now. The server relays the updates it accepted before presence
 * that reached it later, in order on each connection, so anything it relayed
 * to `clients` before this call has arrived when it resolves.
 */
async function relayedSoFar (room, clients) {
  const marker = client(room)
  try {
    await marker.synced()
    const mark = authorSecret()
    marker.provider.awareness.setLocalStateField('mark', mark)
    await waitFor(() => clients.every((c) => c.provider.awareness.getStates().get(marker.doc.clientID)?.mark === mark),
      { message: 'a presence change was not relayed' })
  } finally {
    marker.destroy()
  }
}

test('an update under another author\'s client id is refused and changes nothing', async () => {
  const room = docId('forge')
  const victim = client(room, { name: 'victim' })
  const watcher = client(room, { name: 'watcher' })
  await Promise.all([victim.synced(), watcher.synced()])
  appendParagraph(victim.fragment, 'written by the victim')
  const before = await converged([victim, watcher])

  // A stock client of another author syncs, then takes the victim's id.
  const impostor = client(room, { name: 'impostor', shouldReconnect: () => false })
  await impostor.synced()
  await waitFor(() => impostor.text() === before)
  impostor.doc.clientID = victim.doc.clientID
  impostor.fragment.get(0).get(0).insert(0, 'FORGED ')
  const socket = impostor.socket
  await waitFor(() => socket.closeCode !== null, { timeout: 5000, message: 'the impostor was not disconnected' })
  assert.equal(socket.closeCode, 1008, `closed with ${socket.closeCode} ${socket.closeReason}`)
  assert.ok(socket.denied.length >= 1, 'no permission-denied auth message before the close')

  // Nobody else saw it, and the server did not keep it.
  await relayedSoFar(room, [victim, watcher])
  assert.equal(victim.text(), before)
  assert.equal(watcher.text(), before)
  const fresh = client(room)
  await fresh.synced()
  assert.equal(fresh.text(), before)
  assert.ok(!(await shared.server.export(room, 'txt')).includes('FORGED'))

  // The victim's own next edit (same client id, the clock the forgery used) is accepted.
  victim.fragment.get(0).get(0).insert(0, 'still mine: ')
  const after = await converged([victim, watcher, fresh])
  assert.match(after, /still mine: written by the victim/)
  assert.ok(!after.includes('FORGED'))
  assert.equal(victim.sockets.length, 1, 'the victim was disconnected')
})

for (const [label, kind, author] of [
  ['Update frame, other author', 2, 'other'],
  ['SyncStep2 frame, other author', 1, 'other'],
  ['Update frame, anonymous', 2, null]
]) {
  test(`a forged ${label} is refused with 02 00 and close 1008`, async () => {
    const room = docId('raw-forge')
    const victim = client(room)
    const watcher = client(room)
    await Promise.all([victim.synced(), watcher.synced()])
    appendParagraph(victim.fragment, 'original')
    const before = await converged([victim, watcher])

    const query = author === null ? '' : `?author=${authorSecret()}`
    const raw = await rawSocket(shared.server, room, query)
    raw.send(syncFrame(kind, forgeUpdate(victim, 'FORGED ')))
    await raw.closed
    assert.equal(raw.closeCode, 1008, `closed with ${raw.closeCode} ${raw.closeReason}`)
    assert.ok(deniedReasons(raw).length >= 1, 'no permission-denied message')
    await relayedSoFar(room, [victim, watcher])
    assert.equal(victim.text(), before)
    assert.equal(watcher.text(), before)
    const fresh = client(room)
    await fresh.synced()
    assert.equal(fresh.text(), before)
  })
}

test('the same author may write under its client id from a second connection', async () => {
  // Binding is per author, not per connection: a reconnecting or second tab of
  // the same author keeps writing with its id.
  const room = docId('same-author')
  const secret = authorSecret()
  const first = client(room, { author: secret })
  await first.synced()
  appendParagraph(first.fragment, 'first tab')
  const watcher = client(room)
  await converged([first, watcher])
  const raw = await rawSocket(shared.server, room, `?author=${secret}`)
  raw.send(syncFrame(2, forgeUpdate(first, 'second tab: ')))
  await waitFor(() => watcher.text().includes('second tab: '), { message: 'an update from the same author was refused' })
  assert.equal(raw.closeCode, null)
  raw.terminate()
})

/** An update from a document of its own: a few paragraphs and a deletion. */
function strangerUpdate () {
  const doc = new Y.Doc()
  const fragment = doc.getXmlFragment('content')
  for (let i = 0; i < 5; i++) {
    const p = new Y.XmlElement('paragraph')
    p.insert(0, [new Y.XmlText(`PARTIAL-${i} `.repeat(3))])
    fragment.insert(fragment.length, [p])
  }
  fragment.get(2).get(0).delete(0, 4)
  return { clientID: doc.clientID, update: Y.encodeStateAsUpdate(doc) }
}

/** Frames that no y-protocols decoder can read. */
function malformedFrames (validUpdateFrame, stranger) {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  const bad = encoding.createEncoder()
  encoding.writeVarUint(bad, 1) // one client
  encoding.writeVarUint(bad, 12345)
  encoding.writeVarUint(bad, 1)
  encoding.writeVarString(bad, '{"user": {not json')
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(bad))
  return [
    ['a text frame', 'hello, is this Yjs?'],
    ['a frame cut in half', validUpdateFrame.subarray(0, Math.floor(validUpdateFrame.length / 2))],
    ['an update cut short inside a well-formed frame', syncFrame(2, validUpdateFrame.subarray(3, validUpdateFrame.length - 4))],
    ['a lone sync byte', Uint8Array.of(0)],
    ['a SyncStep1 without its state vector', Uint8Array.of(0, 0)],
    ['an unknown sync message type', Uint8Array.of(0, 9, 1, 0)],
    ['an awareness length past the end', Uint8Array.of(1, 0xff, 0xff, 0xff, 0x0f, 1, 2)],
    ['an awareness state that is not JSON', encoding.toUint8Array(encoder)],
    ['an empty update payload', Uint8Array.of(0, 2, 0)],
    // Whole structs first, then a cut: a decoder must not keep the first part.
    ...[0.3, 0.6, 0.9].map((f) => [`new content cut at ${f * 100}%`, syncFrame(2, stranger.update.subarray(0, Math.floor(stranger.update.length * f)))]),
    ['new content without its last byte', syncFrame(1, stranger.update.subarray(0, stranger.update.length - 1))]
  ]
}

test('malformed frames close only the connection that sent them', async (t) => {
  const seed = testSeed()
  t.diagnostic(`seed ${seed}`)
  await withSeed(seed, async () => {
    const rng = prng(seed)
    const stranger = strangerUpdate()
    const room = docId('malformed')
    const a = client(room)
    const b = client(room)
    await Promise.all([a.synced(), b.synced()])
    let validFrame = null
    a.doc.once('update', (update) => { validFrame = syncFrame(2, update) })
    appendParagraph(a.fragment, 'before the attack with some text in it')
    await converged([a, b])
    assert.ok(validFrame !== null)

    // a and b keep typing while the attack goes on.
    let n = 0
    const typing = setInterval(() => { appendParagraph((n++ % 2 ? a : b).fragment, `typed ${n}`) }, 20)
    try {
      for (const [label, frame] of malformedFrames(validFrame, stranger)) {
        const raw = await rawSocket(shared.server, room)
        raw.send(frame)
        const code = await Promise.race([raw.closed, sleep(5000).then(() => null)])
        assert.ok(code !== null, `${label}: the connection stayed open`)
        assert.ok([1002, 1003, 1007, 1008, 1009].includes(code), `${label}: closed with ${code} ${raw.closeReason}`)
      }
      // Random bytes after a valid message type: whatever the server makes of
      // them, it must not harm anybody else.
      let closed = 0
      for (let i = 0; i < 30; i++) {
        const header = rng.pick([[0, 0], [0, 1], [0, 2], [1], [3]])
        const frame = Uint8Array.from([...header, ...rng.bytes(1 + rng.int(200))])
        const raw = await rawSocket(shared.server, room)
        raw.send(frame)
        // Closed, or the round trip behind the frame came back: it was handled
        // and the connection kept.
        const code = await Promise.race([raw.closed, roundTrip(raw).then(() => null)])
        if (code !== null) closed++
        raw.terminate()
      }
      t.diagnostic(`${closed} of 30 random frames closed their connection`)
    } finally {
      clearInterval(typing)
    }
    const text = await converged([a, b])
    assert.ok(text.includes(`typed ${n}`))
    for (const c of [a, b]) {
      assert.equal(c.sockets.length, 1, 'an innocent client was disconnected')
      assert.equal(c.socket.closeCode, null)
    }
    const fresh = client(room)
    await fresh.synced()
    await converged([a, b, fresh])
    // Nothing of the cut updates was kept.
    assert.ok(!fresh.plain().includes('PARTIAL'), `part of a malformed update was applied: ${fresh.text()}`)
    assert.ok(!(await shared.server.export(room, 'txt')).includes('PARTIAL'))
    assert.ok(!Y.decodeStateVector(Y.encodeStateVector(fresh.doc)).has(stranger.clientID), 'the cut update\'s client is in the state vector')
    const response = await shared.server.fetch('/healthz')
    assert.equal(response.status, 200)
  })
})

test('invalid document ids and author secrets are refused before the upgrade', async () => {
  for (const [room, query] of [
    ['bad.id', ''],
    ['x'.repeat(65), ''],
    ['ok-id', '?author=short'],
    ['ok-id', `?author=${'a'.repeat(129)}`],
    ['ok-id', '?author=has%20space%20in%20it%20ok']
  ]) {
    const refused = await rawSocket(shared.server, room, query).then((ws) => { ws.terminate(); return false }, () => true)
    assert.ok(refused, `/ws/${room}${query} was upgraded`)
  }
  // The limits themselves are accepted.
  for (const [room, query] of [
    ['A-z_0-9'.repeat(9) + 'a', `?author=${'s'.repeat(16)}`],
    ['x', `?author=${'Z_-9'.repeat(32)}&name=${encodeURIComponent('Zoë 🙂')}`]
  ]) {
    assert.ok(room.length <= 64)
    const ws = await rawSocket(shared.server, room, query)
    await waitFor(() => ws.messages.length > 0, { message: `/ws/${room}${query} sent nothing` })
    assert.deepEqual([...ws.messages[0].subarray(0, 2)], [0, 0], 'the first message is not SyncStep1')
    ws.terminate()
  }
})

test('client id bindings outlive an unload and a restart', async () => {
  const own = new Server(await tempDataDir(), ['--idle-unload-secs', '1'])
  own.ownsDataDir = true
  const mine = []
  try {
    await own.start()
    const room = docId('bind')
    const secret = authorSecret()
    const victim = new Client(own, room, { author: secret, acks: true })
    mine.push(victim)
    await victim.synced()
    appendParagraph(victim.fragment, 'bound text')
    await victim.allSaved()
    const victimState = Y.encodeStateAsUpdate(victim.doc)
    const victimId = victim.doc.clientID
    assert.equal(await documentsLoaded(own), 1)
    victim.destroy()

    const tryForgery = async (label) => {
      const raw = await rawSocket(own, room, `?author=${authorSecret()}`)
      raw.send(syncFrame(2, forgeUpdate(victim, 'FORGED ')))
      const code = await Promise.race([raw.closed, sleep(3000).then(() => null)])
      raw.terminate()
      assert.equal(code, 1008, `${label}: a forged update under a bound client id was not refused (close ${code})`)
      const check = new Client(own, room)
      mine.push(check)
      await check.synced()
      await waitFor(() => check.text().includes('bound text'), { message: () => `${label}: the reader has ${check.text()}` })
      assert.ok(!check.text().includes('FORGED'), `${label}: the forgery is in the document: ${check.text()}`)
      check.destroy()
    }

    // --idle-unload-secs after the victim left: the document is loaded again from disk.
    await allUnloaded(own)
    await tryForgery('after an unload')
    await own.restart('SIGKILL')
    await tryForgery('after a restart')

    // The rightful author, reconnecting with the same client id, still writes.
    const doc = new Y.Doc()
    Y.applyUpdate(doc, victimState)
    doc.clientID = victimId // after the update: Yjs changes an id that a remote update advances
    const back = new Client(own, room, { author: secret, doc, acks: true })
    mine.push(back)
    await back.synced()
    back.fragment.get(0).get(0).insert(0, 'back: ')
    assert.equal(back.doc.clientID, victimId, 'Yjs gave the returning client a new id')
    await back.allSaved()
    const reader = new Client(own, room)
    mine.push(reader)
    await reader.synced()
    await waitFor(() => reader.text().includes('back: bound text'), { message: () => `reader has ${reader.text()}` })
    assert.equal(back.sockets.length, 1, 'the rightful author was disconnected')
  } finally {
    for (const c of mine) c.destroy()
    await own.dispose()
  }
})

test('a 2 MiB update is accepted and relayed', async () => {
  const room = docId('big')
  const a = client(room, { acks: true })
  const b = client(room)
  await Promise.all([a.synced(), b.synced()])
  const big = 'x'.repeat(2 * 1024 * 1024 - 4096) + 'END'
  appendParagraph(a.fragment, big)
  await a.allSaved(20000)
  await waitFor(() => b.fragment.length === 1 && b.fragment.get(0).get(0).length === big.length,
    { timeout: 20000, message: 'the big paragraph did not arrive' })
  assert.equal(a.sockets.length, 1)
  assert.equal(b.sockets.length, 1)
})

/**
 * The fuzz harness's base document as a client may send it: its chat
 * message (author "base", no name) is deleted, since the server refuses chat
 * messages under another author and name. The body and its clocks are as
 * they were.
 */
function sendableBase (base) {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, base)
  const chat = doc.getArray('chat')
  chat.delete(0, chat.length)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

test('updates whose origins contradict each other are refused, and the document stays as it was', async () => {
  // The fuzz harness's base document (a heading, "hello world", a title, a
  // chat message, written by yrs under client 1) and updates that insert
  // with a right origin that is not right of the left origin: in the map
  // beside the paragraph, or left of it in "hello". Yjs places such an
  // insert by where it meets the right origin, so a client that saw it live
  // and one that loaded the document afterwards disagree (asserted below
  // with the npm Yjs); the server refuses them.
  const base = readFileSync(path.join(ROOT, 'tests/js/fixtures/fuzz-base-update.bin'))
  const crafted = ['right-origin-in-a-map', 'origins-reversed'].map((name) =>
    readFileSync(path.join(ROOT, 'fuzz/regressions/update', name)))
  const live = new Y.Doc()
  Y.applyUpdate(live, base)
  Y.applyUpdate(live, crafted[1])
  const reloaded = new Y.Doc()
  Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(live))
  assert.notEqual(live.getXmlFragment('content').toString(), reloaded.getXmlFragment('content').toString(),
    'in Yjs, the live document and its reload differ')

  const room = docId('origins')
  const writer = await rawSocket(shared.server, room, `?author=${authorSecret()}&acks=1`)
  writer.send(syncFrame(2, sendableBase(base)))
  await waitFor(() => writer.messages.some((m) => m[0] === MESSAGE_SAVED), { message: 'the base was not acknowledged' })
  writer.close()
  const watcher = client(room, { acks: true })
  await watcher.synced()
  const expected = watcher.fragment.toString()
  assert.match(plainText(watcher.fragment), /hello world/)
  for (const update of crafted) {
    const raw = await rawSocket(shared.server, room, `?author=${authorSecret()}&acks=1`)
    raw.send(syncFrame(2, update))
    const code = await Promise.race([raw.closed, sleep(5000).then(() => null)])
    assert.equal(code, 1002, `closed with ${code} ${raw.closeReason}`)
    assert.match(raw.closeReason, /right origin/)
    assert.ok(!raw.messages.some((m) => m[0] === MESSAGE_SAVED), 'nothing was acknowledged')
  }
  // The connected client got nothing of them, and keeps editing; a client
  // that loads now sees the same document.
  await relayedSoFar(room, [watcher])
  assert.equal(watcher.fragment.toString(), expected)
  appendParagraph(watcher.fragment, 'still here')
  await watcher.allSaved()
  const fresh = client(room)
  await fresh.synced()
  assert.equal(fresh.fragment.toString(), watcher.fragment.toString())
  assert.match(plainText(fresh.fragment), /hello world[\s\S]*still here/)
})

test('an item whose origin is garbage collected is garbage, as in Yjs', async () => {
  // The base document and an update whose embed has a left origin inside a
  // garbage-collected block. yrs 0.28.1 placed it by its right origin, at
  // the start of the body; Yjs drops it (vendor/README.md).
  const base = readFileSync(path.join(ROOT, 'tests/js/fixtures/fuzz-base-update.bin'))
  const crafted = readFileSync(path.join(ROOT, 'fuzz/regressions/update/origin-in-garbage'))
  const yjs = new Y.Doc()
  Y.applyUpdate(yjs, base)
  Y.applyUpdate(yjs, crafted)
  const expected = yjs.getXmlFragment('content').toString()
  assert.doesNotMatch(expected, /image/)

  const room = docId('garbage')
  const raw = await rawSocket(shared.server, room, `?author=${authorSecret()}&acks=1`)
  raw.send(syncFrame(2, sendableBase(base)))
  await waitFor(() => raw.messages.some((m) => m[0] === MESSAGE_SAVED), { message: 'the base was not acknowledged' })
  raw.send(syncFrame(2, crafted))
  await waitFor(() => raw.messages.filter((m) => m[0] === MESSAGE_SAVED).length >= 2, { message: 'the update was not acknowledged' })
  raw.close()
  const reader = client(room)
  await reader.synced()
  assert.equal(reader.fragment.toString(), expected)
})
