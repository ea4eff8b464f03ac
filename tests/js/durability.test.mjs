// Saved acknowledgements and restarts: every edit the server acknowledged
// with Saved survives a crash (SIGKILL) and a graceful stop (SIGTERM).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Server, Client, Y, docId, waitFor, sleep, appendParagraph, tempDataDir, converged, roundTrip } from './lib.mjs'

const servers = []
const clients = []
after(async () => {
  for (const c of clients) c.destroy()
  for (const s of servers) await s.dispose()
})

async function newServer (extraArgs = []) {
  const server = new Server(await tempDataDir(), extraArgs)
  server.ownsDataDir = true
  servers.push(server)
  await server.start()
  return server
}

function client (server, room, options) {
  const c = new Client(server, room, options)
  clients.push(c)
  return c
}

/**
 * Makes `count` edits, each its own transaction (so its own Update frame),
 * and returns, per edit, its marker text and the number of the frame that
 * carried it on the current socket. With `pause`, it lets the event loop
 * run every ten edits.
 */
async function edit (c, label, count, { pause = true } = {}) {
  const edits = []
  for (let i = 0; i < count; i++) {
    const marker = `${label}-${i}`
    if (i % 5 === 4 && c.fragment.length > 0) {
      // Some edits format and extend earlier paragraphs instead.
      const t = c.fragment.get(c.fragment.length - 1).get(0)
      c.doc.transact(() => {
        t.insert(t.length, ` ${marker}`)
        t.format(0, 3, { em: true })
      })
    } else {
      appendParagraph(c.fragment, marker)
    }
    edits.push({ marker, frame: c.socket.updatesSent })
    if (pause && i % 10 === 9) await sleep(1)
  }
  return edits
}

/**
 * Asserts the Saved counts of every socket of `c` never exceeded the frames it
 * sent and never went down.
 */
function assertSavedNeverAhead (c) {
  for (const s of c.sockets) {
    assert.ok(s.saved <= s.updatesSent, `Saved ${s.saved} > ${s.updatesSent} frames sent`)
    s.savedHistory.forEach((n, i) => {
      assert.ok(i === 0 || n >= s.savedHistory[i - 1], `Saved went down: ${s.savedHistory.join(' ')}`)
    })
  }
}

/** A fresh client's view of `room` once synced. */
async function freshView (server, room) {
  const fresh = client(server, room)
  await fresh.synced()
  const text = fresh.text()
  const plain = fresh.plain()
  fresh.destroy()
  return { text, plain, sv: Y.decodeStateVector(Y.encodeStateVector(fresh.doc)), doc: fresh.doc }
}

for (const signal of ['SIGKILL', 'SIGTERM']) {
  test(`every acknowledged edit survives ${signal} and a restart`, async (t) => {
    const server = await newServer()
    const room = docId(signal.toLowerCase())
    const writer = client(server, room, { acks: true, name: 'writer' })
    const other = client(server, room, { acks: true })
    await Promise.all([writer.synced(), other.synced()])

    // A first wave, all acknowledged.
    const first = await edit(writer, 'first', 60)
    const otherEdits = await edit(other, 'other', 20)
    const savedFirst = await writer.allSaved()
    await other.allSaved()
    assert.ok(savedFirst >= first.at(-1).frame, `Saved ${savedFirst} < frame ${first.at(-1).frame}`)
    assertSavedNeverAhead(writer)

    // A second wave, and the signal right after it: only what was
    // acknowledged before the server went away is promised.
    const second = await edit(writer, 'second', 40, { pause: signal === 'SIGTERM' })
    const expectedText = writer.text()
    const socket = writer.socket
    if (signal === 'SIGTERM') {
      // Once the other client has every edit the server has received them
      // all; a graceful stop must then keep them, acknowledged or not.
      await waitFor(() => other.text() === expectedText, { message: 'the other client did not get the second wave' })
    }
    const stopped = await server.stop(signal)
    await waitFor(() => socket.closeCode !== null, { message: 'the client socket did not close' })
    if (signal === 'SIGTERM') {
      assert.equal(stopped.code, 0, `quire exited with ${stopped.code ?? stopped.signal} on SIGTERM:\n${server.log()}`)
    } else {
      assert.equal(stopped.signal, 'SIGKILL')
    }
    assertSavedNeverAhead(writer)
    const acked = socket.saved
    t.diagnostic(`${acked} of ${socket.updatesSent} update frames acknowledged when the server stopped`)
    writer.destroy()
    other.destroy()

    await server.start()
    const view = await freshView(server, room)
    const acknowledged = [...first, ...otherEdits, ...second.filter((e) => e.frame <= acked)]
    for (const e of acknowledged) {
      assert.ok(view.plain.includes(e.marker), `acknowledged edit ${e.marker} lost after ${signal}`)
    }
    if (signal === 'SIGTERM') assert.equal(view.text, expectedText, 'a graceful stop lost edits it had received')
    // The document still takes edits after the restart, and they persist too.
    const again = client(server, room, { acks: true })
    await again.synced()
    appendParagraph(again.fragment, 'after restart')
    await again.allSaved()
    again.destroy()
    await server.stop('SIGKILL')
    await server.start()
    const final = await freshView(server, room)
    assert.ok(final.text.includes('after restart'))
    for (const e of acknowledged) assert.ok(final.plain.includes(e.marker), `${e.marker} lost after the second restart`)
  })
}

test('SIGTERM writes out updates still waiting for a relaxed flush', async (t) => {
  // Relaxed durability with a flush timer far away: the updates are only in
  // memory when SIGTERM arrives, and the graceful stop must write them.
  const server = await newServer(['--durability', 'relaxed', '--flush-interval-ms', '600000'])
  const room = docId('relaxed')
  const writer = client(server, room, { acks: true })
  const other = client(server, room)
  await Promise.all([writer.synced(), other.synced()])
  await edit(writer, 'pending', 50)
  const expected = writer.text()
  await waitFor(() => other.text() === expected, { message: 'the other client did not get the edits' })
  const savedBefore = writer.socket.saved
  const stopped = await server.stop('SIGTERM')
  assert.equal(stopped.code, 0, `quire exited with ${stopped.code ?? stopped.signal} on SIGTERM:\n${server.log()}`)
  t.diagnostic(`Saved ${savedBefore} before SIGTERM, ${writer.socket.saved} after, of ${writer.socket.updatesSent} frames`)
  writer.destroy()
  other.destroy()
  server.extraArgs = []
  await server.start()
  const view = await freshView(server, room)
  assert.equal(view.text, expected)
})

test('restarts in a row keep the document identical', async () => {
  const server = await newServer()
  const room = docId('restarts')
  let expected = null
  const signals = ['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGKILL']
  for (const [round, signal] of signals.entries()) {
    const c = client(server, room, { acks: true })
    await c.synced()
    if (expected !== null) assert.equal(c.text(), expected, `round ${round}: document changed across the restart`)
    await edit(c, `round${round}`, 15)
    await c.allSaved()
    expected = c.text()
    if (round % 2 === 0) c.destroy() // the other rounds stop with the client still connected
    const stopped = await server.restart(signal)
    if (signal !== 'SIGKILL') {
      assert.equal(stopped.code, 0, `${signal}: exited with ${stopped.code ?? stopped.signal}`)
    }
    if (round % 2 === 1) c.destroy()
  }
  const view = await freshView(server, room)
  assert.equal(view.text, expected)
})

test('a connection without acks=1 gets no Saved messages', async () => {
  const server = await newServer()
  const room = docId('noacks')
  const c = client(server, room)
  const watcher = client(server, room, { acks: true })
  await Promise.all([c.synced(), watcher.synced()])
  await edit(c, 'plain', 10)
  await waitFor(() => watcher.text() === c.text())
  // The watcher's own edit, applied after c's, is acknowledged once a flush
  // covers c's edits too: any Saved owed to c was queued by then, and a
  // round trip on c's socket brings it in.
  await edit(watcher, 'acked', 1)
  await watcher.allSaved()
  await roundTrip(c.socket)
  assert.equal(c.socket.saved, 0)
  assert.ok(c.socket.updatesSent >= 10)
})

test('a data directory in use is not silently shared by a second server', async () => {
  // Two servers on one sled directory would corrupt it: the second must refuse to start.
  const server = await newServer()
  const second = new Server(server.dataDir)
  await assert.rejects(second.start(), /exited|did not start/)
  await second.stop('SIGKILL')
  // The first server is unharmed.
  const c = client(server, docId('still'))
  await c.synced()
})

test('clients that stay open through a crash reconnect and merge what they wrote meanwhile', async () => {
  const server = await newServer()
  const room = docId('reconnect')
  const a = client(server, room, { acks: true })
  const b = client(server, room, { acks: true })
  await Promise.all([a.synced(), b.synced()])
  appendParagraph(a.fragment, 'before the crash')
  await a.allSaved()
  await waitFor(() => b.text() === a.text())
  a.provider.awareness.setLocalStateField('user', { name: 'Ada' })
  await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada')

  const port = server.port
  await server.stop('SIGKILL')
  await waitFor(() => !a.provider.wsconnected && !b.provider.wsconnected, { message: 'the clients did not notice the crash' })
  // Both keep writing while the server is down.
  appendParagraph(a.fragment, 'a while down')
  appendParagraph(b.fragment, 'b while down')
  b.fragment.get(0).get(0).format(0, 6, { strong: {} })
  await server.start(port)
  // The stock providers reconnect on their own (backoff of at most 2.5 s).
  await Promise.all([a.synced(15000), b.synced(15000)])
  const text = await converged([a, b])
  for (const needle of ['before the crash', 'a while down', 'b while down']) assert.ok(a.plain().includes(needle), `${needle} missing: ${text}`)
  assert.match(text, /<strong>before<\/strong>/)
  // y-protocols ignores a resent state whose clock it has seen, so presence
  // comes back with the next change (or the 15 s renewal).
  a.provider.awareness.setLocalStateField('cursor', { anchor: 1, head: 1 })
  await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada',
    { message: 'awareness did not come back after the reconnect' })
  await Promise.all([a.allSaved(), b.allSaved()])
  a.destroy()
  b.destroy()
  await server.restart('SIGKILL')
  const view = await freshView(server, room)
  assert.equal(view.text, text)
})
