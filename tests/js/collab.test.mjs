// Co-editing with stock Yjs clients: concurrent edits converge, late joiners
// receive everything, offline edits merge on reconnect.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  Server, sharedServer, Client, Y, docId, converged, waitFor, sleep, prng, testSeed, withSeed, appendParagraph,
  docInfo, documentsLoaded, allUnloaded
} from './lib.mjs'

const shared = sharedServer()
const { client } = shared

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'quire', 'yjs', 'group', 'notes', 'Ünïcode', '日本語', '🙂']
const MARKS = [{ strong: true }, { em: true }, { code: true }, { strike: true }, { underline: true },
  { link: { href: 'https://example.com/x', title: null } }]

/** The XmlText children of the block elements of `fragment`. */
function texts (fragment) {
  const out = []
  for (const block of fragment.toArray()) {
    if (!(block instanceof Y.XmlElement)) continue
    for (const child of block.toArray()) if (child instanceof Y.XmlText) out.push(child)
  }
  return out
}

/**
 * Moves a UTF-16 position of `t` off the middle of a surrogate pair. Yjs
 * replaces a split pair with two U+FFFD locally, and a split that leads to no
 * operation (formatting text that already has the mark) is never seen by the
 * other clients, so random positions must not split pairs.
 */
function whole (t, pos) {
  const s = t.toDelta().map((d) => (typeof d.insert === 'string' ? d.insert : ' ')).join('')
  const c = s.charCodeAt(pos - 1)
  return c >= 0xD800 && c <= 0xDBFF ? pos - 1 : pos
}

/** One random edit of `fragment`, chosen with `rng`. */
function randomEdit (rng, fragment, who) {
  const targets = texts(fragment)
  const op = targets.length === 0 ? 0 : rng.int(8)
  const word = `${who}${rng.pick(WORDS)}`
  switch (op) {
    case 0: case 1: { // a new paragraph or heading at a random place
      const el = rng.next() < 0.7 ? new Y.XmlElement('paragraph') : new Y.XmlElement('heading')
      if (el.nodeName === 'heading') el.setAttribute('level', String(1 + rng.int(3)))
      el.insert(0, [new Y.XmlText(word)])
      fragment.insert(rng.int(fragment.length + 1), [el])
      break
    }
    case 2: case 3: { // type into a text
      const t = rng.pick(targets)
      t.insert(whole(t, rng.int(t.length + 1)), ` ${word}`)
      break
    }
    case 4: case 5: { // format a range
      const t = rng.pick(targets)
      if (t.length === 0) break
      const start = whole(t, rng.int(t.length))
      const end = whole(t, start + 1 + rng.int(t.length - start))
      if (end > start) t.format(start, end - start, rng.pick(MARKS))
      break
    }
    case 6: { // delete part of a text
      const t = rng.pick(targets)
      if (t.length === 0) break
      const start = whole(t, rng.int(t.length))
      const end = whole(t, start + 1 + rng.int(Math.min(6, t.length - start)))
      if (end > start) t.delete(start, end - start)
      break
    }
    case 7: { // delete a whole block
      if (fragment.length > 2) fragment.delete(rng.int(fragment.length), 1)
      break
    }
  }
}

test('three or more clients editing concurrently converge (seeded)', async (t) => {
  const seed = testSeed()
  t.diagnostic(`seed ${seed}`)
  await withSeed(seed, async () => {
    const rng = prng(seed)
    const room = docId('conc')
    const peers = [0, 1, 2, 3].map((i) => client(room, { name: `writer ${i}` }))
    await Promise.all(peers.map((c) => c.synced()))
    // Rounds of edits: in each round every client makes a few edits without
    // waiting for the others, so edits cross on the wire.
    for (let round = 0; round < 40; round++) {
      for (const [i, c] of peers.entries()) {
        const n = 1 + rng.int(3)
        for (let k = 0; k < n; k++) {
          if (rng.next() < 0.3) {
            c.doc.transact(() => { randomEdit(rng, c.fragment, `c${i}`); randomEdit(rng, c.fragment, `c${i}`) })
          } else {
            randomEdit(rng, c.fragment, `c${i}`)
          }
        }
      }
      if (rng.next() < 0.5) await sleep(rng.int(15))
    }
    const text = await converged(peers)
    assert.ok(text.length > 0, 'the converged document is empty')
    // Every client's edits reached every other client.
    const sv = Y.decodeStateVector(Y.encodeStateVector(peers[0].doc))
    for (const c of peers) {
      assert.ok((sv.get(c.doc.clientID) ?? 0) > 0, `client ${c.doc.clientID}'s edits are missing`)
    }
    // The server's copy is the same document: a fresh client gets it.
    const fresh = client(room)
    await fresh.synced()
    await converged([...peers, fresh])
    assert.equal(fresh.text(), text)
    // And its plain-text export holds every paragraph's text.
    const txt = await shared.server.export(room, 'txt')
    for (const t of texts(peers[0].fragment)) {
      const plain = t.toDelta().map((d) => d.insert).join('')
      if (plain.trim() !== '') assert.ok(txt.includes(plain.trim()), `export lacks ${JSON.stringify(plain)}:\n${txt}`)
    }
  })
})

test('a client that joins later receives everything', async () => {
  const room = docId('late')
  const a = client(room)
  const b = client(room)
  await Promise.all([a.synced(), b.synced()])
  for (let i = 0; i < 20; i++) appendParagraph((i % 2 ? a : b).fragment, `line ${i}`)
  const p = a.fragment.get(0)
  p.get(0).format(0, 4, { strong: true })
  a.fragment.delete(5, 2)
  const text = await converged([a, b])
  assert.match(text, /<strong>line<\/strong>/)

  const late = client(room)
  await late.synced()
  await converged([a, b, late])
  assert.equal(late.text(), text)
  assert.equal(late.fragment.length, 18)

  // A joiner after everyone else has left gets the document too.
  a.destroy()
  b.destroy()
  await waitFor(async () => (await docInfo(shared.server, room)).connections === 1,
    { message: 'the server did not see a and b leave' })
  const later = client(room)
  await later.synced()
  await waitFor(() => later.text() === text, { message: () => `late joiner has ${later.text()}` })
  assert.deepEqual(Y.encodeStateVector(later.doc), Y.encodeStateVector(late.doc))
})

test('a late joiner after the document was unloaded from memory receives everything', async () => {
  const quick = await Server.create(['--idle-unload-secs', '1'])
  const own = []
  try {
    const room = docId('unload')
    const a = new Client(quick, room)
    own.push(a)
    await a.synced()
    for (let i = 0; i < 30; i++) appendParagraph(a.fragment, `kept ${i}`)
    a.fragment.get(3).get(0).format(0, 4, { em: true })
    const text = a.text()
    const sv = Y.encodeStateVector(a.doc)
    // Wait until the server has received everything (a second client sees it).
    const b = new Client(quick, room)
    own.push(b)
    await converged([a, b])
    assert.equal(await documentsLoaded(quick), 1)
    a.destroy()
    b.destroy()
    await allUnloaded(quick) // --idle-unload-secs after the last client left
    const late = new Client(quick, room)
    own.push(late)
    await late.synced()
    await waitFor(() => late.text() === text, { message: () => `late joiner has ${late.text()}` })
    assert.deepEqual(Y.encodeStateVector(late.doc), sv)
  } finally {
    for (const c of own) c.destroy()
    await quick.dispose()
  }
})

test('offline edits merge when the client reconnects', async () => {
  const room = docId('offline')
  const a = client(room)
  const b = client(room)
  const c = client(room)
  await Promise.all([a.synced(), b.synced(), c.synced()])
  appendParagraph(a.fragment, 'shared start')
  await converged([a, b, c])

  a.provider.disconnect()
  await waitFor(() => !a.provider.wsconnected)
  // Edits on both sides while a is offline.
  appendParagraph(a.fragment, 'written offline')
  a.fragment.get(0).get(0).insert(0, 'A: ')
  a.fragment.get(0).get(0).format(0, 2, { strong: true })
  appendParagraph(b.fragment, 'written online by b')
  c.fragment.get(0).get(0).insert(c.fragment.get(0).get(0).length, ' (c was here)')
  await waitFor(() => b.text() === c.text() && b.text().includes('c was here'))
  // a has no open socket to send or receive on, and the server, which b
  // and c have caught up with, holds none of its offline edits.
  assert.ok(a.sockets.every((s) => s.readyState === s.CLOSED), 'a still has an open socket')
  assert.ok(!(await shared.server.export(room, 'txt')).includes('written offline'), 'offline edit reached the server while disconnected')
  assert.ok(!b.text().includes('written offline'), 'offline edit reached others while disconnected')
  assert.ok(!a.text().includes('written online by b'), 'a received edits while disconnected')

  a.provider.connect()
  await a.synced()
  const text = await converged([a, b, c])
  for (const needle of ['written offline', 'written online by b', 'c was here', '<strong>A:</strong>']) {
    assert.ok(text.includes(needle), `${needle} missing from ${text}`)
  }
})

test('a client too slow to read is resynced, never silently skipped', async (t) => {
  const small = await Server.create(['--send-queue', '16'])
  const own = []
  try {
    const room = docId('slow')
    const writer = new Client(small, room)
    const slow = new Client(small, room)
    own.push(writer, slow)
    await Promise.all([writer.synced(), slow.synced()])
    // Stop reading: the kernel buffers fill, then the server's queue.
    const firstSocket = slow.socket
    firstSocket._socket.pause()
    // Writes until the server has closed a connection for falling behind
    // (the kernel's buffers may absorb a few megabytes first).
    const lagging = async () => {
      const metrics = await (await small.fetch('/metrics')).text()
      const line = metrics.split('\n').find((l) => l.startsWith('quire_lagging_closed_total '))
      assert.ok(line !== undefined, `no lagging counter in ${metrics}`)
      return Number(line.split(' ')[1])
    }
    const chunk = 'y'.repeat(64 * 1024)
    let written = 0
    while (await lagging() === 0) {
      assert.ok(written < 3000, `no connection closed for falling behind after ${written} paragraphs`)
      for (let i = 0; i < 20; i++, written++) appendParagraph(writer.fragment, `${written} ${chunk}`)
      await sleep(5)
    }
    t.diagnostic(`while paused the slow client had ${slow.fragment.length} of ${written} paragraphs`)
    let frames = 0
    firstSocket.on('message', () => { frames++ })
    firstSocket._socket.resume()
    await converged([writer, slow], 60000)
    assert.equal(slow.fragment.length, written)
    t.diagnostic(`${frames} frames after resuming`)
    assert.ok(slow.sockets.length > 1, 'the slow client was closed and reconnected')
    // 1013 (try again) when the close frame gets through, 1006 when the
    // connection's buffers were too full for it.
    assert.ok([1013, 1006].includes(firstSocket.closeCode), `closed with ${firstSocket.closeCode} ${firstSocket.closeReason}`)
    assert.equal(writer.sockets.length, 1, 'the writer was disconnected')
  } finally {
    for (const c of own) c.destroy()
    await small.dispose()
  }
})
