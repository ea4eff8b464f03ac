// Chat: the server takes a message's author and name from the connection
// that writes it, and bounds messages in size and rate.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { sharedServer, docId, waitFor } from './lib.mjs'

const shared = sharedServer({ acks: true })
const { client } = shared

/** The messages of a client's chat array. */
const messages = (c) => c.doc.getArray('chat').toArray()

async function pair (prefix, name) {
  const room = docId(prefix)
  const writer = client(room, { name, shouldReconnect: () => false })
  const watcher = client(room)
  await Promise.all([writer.synced(), watcher.synced()])
  await waitFor(() => writer.identity !== null, { message: 'no identity message' })
  return { room, writer, watcher }
}

test('a chat message under the writer\'s own author and name is stored and relayed', async () => {
  const { writer, watcher } = await pair('chat-ok', 'Ada')
  assert.equal(writer.identity.name, 'Ada')
  assert.match(writer.identity.author, /^a[0-9a-f]{15}$/)
  assert.match(writer.identity.color, /^#[0-9a-f]{6}$/)
  writer.doc.getArray('chat').push([{ author: writer.identity.author, name: 'Ada', text: 'hello', ts: Date.now() }])
  await waitFor(() => messages(watcher).length === 1)
  assert.equal(messages(watcher)[0].text, 'hello')
  await writer.allSaved()
})

for (const [label, forge] of [
  ['another name', (me) => ({ author: me.author, name: 'Ms. Teacher (teacher)' })],
  ['another author', (me) => ({ author: 'a0123456789abcde', name: me.name })],
  ['a 3000-character text', (me) => ({ author: me.author, name: me.name, text: 'x'.repeat(3000) })]
]) {
  test(`a chat message with ${label} is refused with close 1008 and changes nothing`, async () => {
    const { writer, watcher, room } = await pair('chat-forged', 'Student')
    const me = writer.identity
    writer.doc.getArray('chat').push([{ text: 'Homework is cancelled!', ts: Date.now(), ...forge(me) }])
    await waitFor(() => writer.socket.closeCode !== null && writer.socket.closeCode !== undefined,
      { message: 'the forger was not closed' })
    assert.equal(writer.socket.closeCode, 1008, `closed with ${writer.socket.closeCode}`)
    assert.match(writer.socket.closeReason, /chat message refused/)
    // A later joiner and the watcher have no such message.
    const late = client(room)
    await late.synced()
    assert.deepEqual(messages(late), [])
    assert.deepEqual(messages(watcher), [])
  })
}

test('chat is rate limited per author: a flood is refused, earlier messages stay', async () => {
  const { writer, watcher } = await pair('chat-flood', 'Flood')
  const me = writer.identity
  const chat = writer.doc.getArray('chat')
  for (let i = 0; i < 3; i++) chat.push([{ author: me.author, name: me.name, text: `ok ${i}`, ts: Date.now() }])
  await waitFor(() => messages(watcher).length === 3)
  // One update adding 50 messages: over the burst.
  writer.doc.transact(() => {
    for (let i = 0; i < 50; i++) chat.push([{ author: me.author, name: me.name, text: `flood ${i}`, ts: Date.now() }])
  })
  await waitFor(() => writer.socket.closeCode === 1008, { message: 'the flood was not refused' })
  assert.match(writer.socket.closeReason, /rate/)
  assert.deepEqual(messages(watcher).map((m) => m.text), ['ok 0', 'ok 1', 'ok 2'])
})
