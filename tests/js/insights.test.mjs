// Contributions against ground truth: three scripted authors type, delete each
// other's text, go offline and come back; the contributions API's present,
// inserted and deleted counts equal what the clients did, exactly; a forged
// update changes nothing; every recorded revision exports as it was.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { yXmlFragmentToProsemirrorJSON } from 'y-prosemirror'
import { sharedServer, authorSecret, waitFor } from './lib.mjs'
import { Truth, normalize, blocksText, checkContributions, settle, textAt, textOf, appendBlock, typeInto } from './truth.mjs'

const shared = sharedServer({ acks: true })
const { client } = shared

async function getJson (pathname) {
  const response = await shared.server.fetch(pathname)
  const text = await response.text()
  assert.equal(response.status, 200, `GET ${pathname}: ${text}`)
  return JSON.parse(text)
}

/** An export of revision `rev`, as text. */
async function exportAt (room, format, rev) {
  const response = await shared.server.fetch(`/api/v1/docs/${room}/export/${format}?rev=${rev}`)
  const text = await response.text()
  assert.equal(response.status, 200, `export/${format}?rev=${rev}: ${text}`)
  return text
}

test('contributions, history and old revisions equal what the clients did', async () => {
  const room = await shared.server.createDoc({ title: 'Ground truth' })
  const truth = new Truth()
  const alice = client(room, { author: authorSecret(), name: 'Alice' })
  const bob = client(room, { author: authorSecret(), name: 'Bob' })
  const carol = client(room, { author: authorSecret(), name: 'Carol' })
  for (const [c, name] of [[alice, 'Alice'], [bob, 'Bob'], [carol, 'Carol']]) c.name = name
  const everyone = [alice, bob, carol]
  await Promise.all(everyone.map((c) => c.synced()))
  const started = Date.now()
  const snapshots = []
  const step = async (label, online = everyone) => {
    await settle(online)
    const { revisions } = await getJson(`/api/v1/docs/${room}`)
    snapshots.push({ label, rev: revisions, json: normalize(yXmlFragmentToProsemirrorJSON(online[0].fragment)), text: blocksText(online[0].fragment) })
  }
  // Each author writes only their own letters, so the author of every character is known.
  // Alice: a-m, Bob: n-z, Carol: capitals and 😀 (two UTF-16 units).
  const ins = (who, text) => { truth.inserted(who, text.length); return text }
  const del = (who, c, xmlText, index, length) => {
    truth.deleted(who, textOf(xmlText).slice(index, index + length).length)
    xmlText.delete(index, length)
  }

  // 0: P1 (Alice). 1: H "PART😀ONE" (Carol). 2: P2 (Bob).
  appendBlock(alice, 'paragraph', ins('Alice', 'abcdefghijklmabcdefghijklmabcd'))
  await step('Alice writes a paragraph')
  appendBlock(carol, 'heading', ins('Carol', 'PART😀ONE'), { level: 2 })
  await settle(everyone)
  appendBlock(bob, 'paragraph', ins('Bob', 'nopqrstuvwxyznopqrst'))
  await settle(everyone)
  await typeInto(textAt(bob, 2), 20, ins('Bob', 'uvwxy'))
  await step('Carol adds a heading, Bob a paragraph')

  // 3: P3 (Alice); Alice also types into Bob's paragraph.
  appendBlock(alice, 'paragraph', ins('Alice', 'klmklmklm'))
  await typeInto(textAt(alice, 2), 4, ins('Alice', 'abc'))
  await step('Alice writes into Bob\'s paragraph')

  del('Bob', bob, textAt(bob, 0), 5, 7) // Alice's text
  await step('Bob deletes some of Alice\'s text')
  alice.doc.transact(() => {
    del('Alice', alice, textAt(alice, 2), 0, 3) // Bob's text
    del('Alice', alice, textAt(alice, 0), 0, 2) // her own
  })
  await step('Alice deletes Bob\'s and her own text')

  // 4: H "SECOND", 5: P4 (Carol); then Carol removes Bob's whole paragraph P2.
  appendBlock(carol, 'heading', ins('Carol', 'SECOND'), { level: 2 })
  appendBlock(carol, 'paragraph', ins('Carol', 'ABCDEFGHIJ'))
  await settle(everyone)
  truth.deleted('Carol', textOf(textAt(carol, 2)).length)
  carol.fragment.delete(2, 1)
  await step('Carol removes Bob\'s paragraph')
  // Now: 0 P1, 1 H1, 2 P3, 3 H2, 4 P4.

  // Bob goes offline and edits; Alice edits meanwhile.
  bob.provider.disconnect()
  await waitFor(() => !bob.provider.wsconnected)
  await typeInto(textAt(bob, 0), 2, ins('Bob', 'zzzzzz'))
  appendBlock(bob, 'paragraph', ins('Bob', 'nnooppqq'))
  del('Bob', bob, textAt(bob, 1), 0, 2) // "PA" of Carol's heading
  const p1 = textAt(alice, 0)
  await typeInto(p1, p1.length, ins('Alice', 'mmmm'))
  await step('Alice edits while Bob is offline', [alice, carol])
  bob.provider.connect()
  await bob.synced()
  await step('Bob comes back')
  // Now: 0 P1, 1 H1, 2 P3, 3 H2, 4 P4, 5 P5 (Bob).

  // Alice and Bob type at the same time in different paragraphs.
  await Promise.all([
    typeInto(textAt(alice, 2), textAt(alice, 2).length, ins('Alice', 'abcdefghij'), 3),
    typeInto(textAt(bob, 4), 0, ins('Bob', 'nopqrstuvw'), 3)
  ])
  await step('Alice and Bob type at once')
  // Carol deletes across Alice's and Bob's text: P1 is "ab" + "zzzzzz" + ...
  assert.equal(textOf(textAt(carol, 0)).slice(0, 8), 'cdzzzzzz')
  del('Carol', carol, textAt(carol, 0), 1, 4)
  await step('Carol deletes across two authors')
  // Formatting, a heading level and the title insert and delete no body text.
  textAt(carol, 0).format(0, 6, { strong: {} })
  carol.fragment.get(3).setAttribute('level', 3)
  alice.doc.getMap('meta').set('title', 'Ground truth, renamed')
  await step('Carol formats, Alice renames')

  // What the API says, against the truth.
  const contributions = await getJson(`/api/v1/docs/${room}/contributions?bucket=60`)
  const byName = checkContributions(contributions, truth, alice.fragment, everyone, started)
  // Quire (the server) set the title when the document was created: starting
  // material, listed apart and with no body text.
  assert.deepEqual([...byName.keys()].sort(), ['Alice', 'Bob', 'Carol'])
  assert.deepEqual(contributions.starting, { present: 0, share: 0, sources: [] })
  for (const c of everyone) assert.equal(byName.get(c.name).online, true, `${c.name} is online`)

  // The history, paged, agrees with the totals and the edit counts.
  const items = []
  for (let from = 1; from !== null;) {
    const page = await getJson(`/api/v1/docs/${room}/history?from=${from}&limit=7`)
    assert.ok(page.items.length <= 7)
    items.push(...page.items)
    from = page.next
  }
  assert.equal(items.length, contributions.revision)
  assert.deepEqual(items.map((i) => i.rev), items.map((_, i) => i + 1))
  for (const name of ['Alice', 'Bob', 'Carol']) {
    const mine = items.filter((i) => i.name === name)
    assert.equal(mine.length, byName.get(name).revisions, `${name}'s revisions`)
    // Written within minutes: one work session each.
    assert.equal(byName.get(name).edits, 1, `${name}'s work sessions`)
    assert.equal(mine.reduce((s, i) => s + i.inserted, 0), truth.of(name).inserted)
    assert.equal(mine.reduce((s, i) => s + i.deleted, 0), truth.of(name).deleted)
  }

  // A forgery under Alice's client id is refused and changes no number.
  const beforeForgery = await getJson(`/api/v1/docs/${room}/contributions?bucket=60`)
  const mallory = client(room, { author: authorSecret(), name: 'Mallory', shouldReconnect: () => false })
  await mallory.synced()
  await waitFor(() => mallory.text() === alice.text())
  mallory.doc.clientID = alice.doc.clientID
  mallory.doc.transact(() => {
    textAt(mallory, 0).insert(0, 'abcFORGED')
    appendBlock(mallory, 'paragraph', 'more forged text')
  })
  await waitFor(() => mallory.socket.closeCode !== null, { message: 'the forger was not disconnected' })
  assert.equal(mallory.socket.closeCode, 1008)
  assert.ok(mallory.socket.denied.length >= 1, 'no permission-denied message')
  // The document's task refused the update and closed the connection; the
  // reads below go through that task after it.
  const afterForgery = await getJson(`/api/v1/docs/${room}/contributions?bucket=60`)
  assert.deepEqual(afterForgery, beforeForgery)
  assert.ok(!afterForgery.authors.some((a) => a.name === 'Mallory'))
  assert.ok(!(await shared.server.export(room, 'txt')).includes('FORGED'))

  // Every recorded revision exports as the clients had it.
  assert.deepEqual(snapshots.map((s) => s.rev), [...snapshots.map((s) => s.rev)].sort((a, b) => a - b))
  for (const s of snapshots) {
    const json = normalize(JSON.parse(await exportAt(room, 'json', s.rev)))
    assert.deepEqual(json, s.json, `revision ${s.rev} (${s.label})`)
    const txt = await exportAt(room, 'txt', s.rev)
    assert.equal(txt.trimEnd(), s.text, `text of revision ${s.rev} (${s.label})`)
  }
})

test('a section is named by its heading\'s text, formatting or not', async () => {
  const room = await shared.server.createDoc({ title: 'Formatted heading' })
  const carol = client(room, { author: authorSecret(), name: 'Carol' })
  carol.name = 'Carol'
  await carol.synced()
  appendBlock(carol, 'heading', 'PLAIN HEADING', { level: 2 })
  appendBlock(carol, 'heading', 'BOLD IN PART', { level: 2 })
  textAt(carol, 1).format(0, 4, { strong: {} })
  await settle([carol])
  const contributions = await getJson(`/api/v1/docs/${room}/contributions`)
  assert.deepEqual(contributions.sections.map((s) => s.heading), ['PLAIN HEADING', 'BOLD IN PART'])
})
