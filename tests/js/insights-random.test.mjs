// Contributions against ground truth in a seeded random session: three
// authors append, type, paste, delete and format in each other's text, remove
// whole blocks, and one at a time goes offline and edits while the others
// append. The seed is printed; QUIRE_SEED=N repeats a run.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { sharedServer, Client, Y, authorSecret, waitFor, prng, testSeed, withSeed } from './lib.mjs'
import { Truth, normalize, checkContributions, settle, appendBlock, typeInto, textOf, offlineNet } from './truth.mjs'

const shared = sharedServer()

const ALPHABETS = {
  Alice: 'abcdefghijklm',
  Bob: 'nopqrstuvwxyz',
  Carol: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', '😀', 'X', 'Y', 'Z']
}

/** A UTF-16 index moved back off the middle of a surrogate pair. */
function safeIndex (s, i) {
  const code = s.charCodeAt(i - 1)
  return i > 0 && i < s.length && code >= 0xd800 && code <= 0xdbff ? i - 1 : i
}

test('a random session of three authors matches the truth', async (t) => {
  const seed = testSeed()
  t.diagnostic(`seed ${seed}`)
  await withSeed(seed, async () => {
    const rng = prng(seed)
    const room = await shared.server.createDoc({ title: 'Random' })
    const truth = new Truth()
    const authors = Object.keys(ALPHABETS).map((name) => {
      // gc off, so that offlineNet can see what was deleted offline.
      const c = new Client(shared.server, room, { author: authorSecret(), name, acks: true, doc: new Y.Doc({ gc: false }) })
      c.name = name
      shared.clients.push(c)
      return c
    })
    await Promise.all(authors.map((c) => c.synced()))
    const started = Date.now()
    const words = (name, n) => Array.from({ length: n }, () => rng.pick([...ALPHABETS[name]])).join('')
    const block = (c) => c.fragment.get(rng.int(c.fragment.length))
    let offline = null
    let wentOffline = null
    // An offline author's edits reach the server as one update: counted at reconnection.
    const counting = (c) => c === offline ? new Truth() : truth
    const reconnect = async () => {
      const net = offlineNet(offline.doc, wentOffline)
      truth.inserted(offline.name, net.inserted)
      truth.deleted(offline.name, net.deleted)
      offline.provider.connect()
      await offline.synced()
      offline = null
    }

    const act = async (c, appendOnly) => {
      const truth = counting(c)
      const roll = appendOnly || c.fragment.length < 3 ? 0 : rng.next()
      if (roll < 0.25) {
        const text = words(c.name, 1 + rng.int(30))
        truth.inserted(c.name, text.length)
        if (rng.next() < 0.2) appendBlock(c, 'heading', text, { level: 1 + rng.int(3) })
        else appendBlock(c, 'paragraph', text)
      } else if (roll < 0.45) {
        const x = block(c).get(0)
        const text = words(c.name, 1 + rng.int(8))
        truth.inserted(c.name, text.length)
        await typeInto(x, safeIndex(textOf(x), rng.int(x.length + 1)), text, 1)
      } else if (roll < 0.55) {
        const x = block(c).get(0)
        const text = words(c.name, 20 + rng.int(60))
        truth.inserted(c.name, text.length)
        x.insert(safeIndex(textOf(x), rng.int(x.length + 1)), text)
      } else if (roll < 0.8) {
        const x = block(c).get(0)
        const s = textOf(x)
        if (s.length === 0) return
        const from = safeIndex(s, rng.int(s.length))
        const to = safeIndex(s, Math.min(s.length, from + 1 + rng.int(15)))
        if (to <= from) return
        truth.deleted(c.name, to - from)
        x.delete(from, to - from)
      } else if (roll < 0.9) {
        const i = rng.int(c.fragment.length)
        truth.deleted(c.name, textOf(c.fragment.get(i)).length)
        c.fragment.delete(i, 1)
      } else {
        const el = block(c)
        const x = el.get(0)
        const s = textOf(x)
        const from = safeIndex(s, rng.int(s.length))
        const to = safeIndex(s, Math.min(s.length, from + 1 + rng.int(5)))
        if (to > from) x.format(from, to - from, { [rng.pick(['strong', 'em', 'underline'])]: rng.next() < 0.7 ? {} : null })
      }
    }

    for (let round = 0; round < 60; round++) {
      if (offline === null && round > 5 && rng.next() < 0.1) {
        offline = rng.pick(authors)
        offline.provider.disconnect()
        await waitFor(() => !offline.provider.wsconnected)
        wentOffline = Y.snapshot(offline.doc)
      } else if (offline !== null && rng.next() < 0.25) {
        await reconnect()
      }
      const c = rng.pick(authors)
      // While someone is offline, the others only add blocks: concurrent edits
      // of the same text would make "who deleted it" depend on arrival order.
      await act(c, offline !== null && c !== offline)
      await settle(authors.filter((a) => a !== offline))
    }
    if (offline !== null) await reconnect()
    await settle(authors)

    const contributions = await (await shared.server.fetch(`/api/v1/docs/${room}/contributions`)).json()
    checkContributions(contributions, truth, authors[0].fragment, authors, started)
    const exported = await (await shared.server.fetch(`/api/v1/docs/${room}/export/json?rev=${contributions.revision}`)).json()
    assert.deepEqual(normalize(exported), normalize(yXmlFragmentToProsemirrorJSON(authors[0].fragment)))
  })
})
