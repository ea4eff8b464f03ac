// Two people in one document: concurrent typing, formatting, chat, cursors.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  api, createDoc, editor, editorText, eventually, focusEnd, screenshotPath, testSession,
  waitForEditorText, waitForStatus
} from './lib.mjs'

const session = testSession()

/** Opens document `id` as a new person and waits until it is connected. */
async function join (id, name, options) {
  const page = await session.open(`/d/${id}`, { name, ...options })
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  return page
}

test('two people typing at once end with the same text', async () => {
  const id = await createDoc(session.server, 'Concurrent typing')
  const alice = await join(id, 'Alice')
  const bob = await join(id, 'Bob')
  await focusEnd(alice)
  await focusEnd(bob)
  const fromAlice = 'alice writes here. '
  const fromBob = 'BOB TYPES THIS! '
  await Promise.all([
    alice.keyboard.type(fromAlice, { delay: 15 }),
    bob.keyboard.type(fromBob, { delay: 15 })
  ])
  const expectedLength = fromAlice.length + fromBob.length
  const text = await eventually(async () => {
    const [a, b] = await Promise.all([editorText(alice), editorText(bob)])
    assert.equal(a, b)
    assert.equal(a.length, expectedLength)
    return a
  })
  // Each person's keystrokes keep their order, whatever the interleaving.
  const lower = [...text].filter((c) => fromAlice.includes(c) && !/[A-Z!]/.test(c) && c !== ' ').join('')
  assert.equal(lower, fromAlice.replace(/ /g, ''))
  await waitForStatus(alice, 'Saved')
  await waitForStatus(bob, 'Saved')
})

test('bold text and a heading made by one appear for the other', async () => {
  const id = await createDoc(session.server, 'Formatting')
  const alice = await join(id, 'Alice')
  const bob = await join(id, 'Bob')
  await focusEnd(alice)
  await alice.keyboard.type('# Big title')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('Plain then ')
  await alice.keyboard.press('Control+b')
  await alice.keyboard.type('strong words')
  await alice.keyboard.press('Control+b')
  await alice.keyboard.type(' and ')
  await alice.locator('button[aria-label="Italic"]').dispatchEvent('mousedown')
  await alice.keyboard.type('slanted')

  await bob.locator('.ProseMirror h1', { hasText: 'Big title' }).waitFor()
  await bob.locator('.ProseMirror strong', { hasText: 'strong words' }).waitFor()
  await bob.locator('.ProseMirror em', { hasText: 'slanted' }).waitFor()
  assert.equal(await bob.locator('.ProseMirror h1').textContent(), 'Big title')

  // And the other way round, with the toolbar: Bob makes a second-level heading.
  await focusEnd(bob)
  await bob.keyboard.press('Enter')
  await bob.keyboard.type('Section by Bob')
  await bob.locator('button[aria-label="Heading 2"]').dispatchEvent('mousedown')
  await alice.locator('.ProseMirror h2', { hasText: 'Section by Bob' }).waitFor()
  await waitForStatus(bob, 'Saved')
})

test('a chat message sent by one appears for the other, with an unread count', async () => {
  const id = await createDoc(session.server, 'Chat')
  const alice = await join(id, 'Alice')
  const bob = await join(id, 'Bob')
  await alice.locator('button.chat-toggle').click()
  await alice.locator('input[aria-label="Chat message"]').fill('Hello from Alice')
  await alice.locator('button[aria-label="Send message"]').click()
  await bob.locator('[data-testid="chat-unread"]:text-is("1")').waitFor()
  await bob.locator('button.chat-toggle').click()
  const message = bob.locator('.chat-message', { hasText: 'Hello from Alice' })
  await message.waitFor()
  assert.equal(await message.locator('.chat-name').textContent(), 'Alice')
  assert.equal(await bob.locator('[data-testid="chat-unread"]').isHidden(), true)
  await waitForStatus(alice, 'Saved')
})

test('who is here lists both people, and cursors show up in screenshots', async () => {
  const id = await createDoc(session.server, 'Cursors')
  const alice = await join(id, 'Alice')
  const bob = await join(id, 'Bob')
  await focusEnd(alice)
  await alice.keyboard.type('Alice starts the first paragraph of our report.')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('A second line, still Alice.')
  await waitForEditorText(bob, 'still Alice.')
  await editor(bob).locator('p').first().click()
  await bob.keyboard.press('Home')
  await bob.keyboard.type('Bob: ')
  await alice.keyboard.type(' More')

  for (const [page, other] of [[alice, 'Bob'], [bob, 'Alice']]) {
    await page.locator('.ProseMirror-yjs-cursor', { hasText: other }).waitFor()
    await page.locator(`[data-testid="presence"] li[aria-label="${other}"]`).waitFor()
  }
  await alice.screenshot({ path: await screenshotPath('editor-two-cursors-alice') })
  await bob.screenshot({ path: await screenshotPath('editor-two-cursors-bob') })

  const phone = await join(id, 'Carol', { viewport: { width: 390, height: 844 } })
  await phone.locator('.ProseMirror-yjs-cursor', { hasText: 'Alice' }).waitFor()
  await phone.screenshot({ path: await screenshotPath('editor-phone') })
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`)
})

test('markdown shortcuts, undo and redo, and a new name reach the other person', async () => {
  const id = await createDoc(session.server, 'Shortcuts')
  const alice = await join(id, 'Alice')
  const bob = await join(id, 'Bob')
  await focusEnd(alice)
  await alice.keyboard.type('* first point')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('second point')
  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('1. step one')
  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('> quoted')
  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('```')
  await alice.keyboard.type('let x = 1')
  await bob.locator('.ProseMirror ul > li', { hasText: 'second point' }).waitFor()
  await bob.locator('.ProseMirror ol > li', { hasText: 'step one' }).waitFor()
  await bob.locator('.ProseMirror blockquote', { hasText: 'quoted' }).waitFor()
  await bob.locator('.ProseMirror pre', { hasText: 'let x = 1' }).waitFor()
  assert.equal(await bob.locator('.ProseMirror ul > li').count(), 2)

  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  await alice.keyboard.press('Enter')
  // Typing within half a second joins one undo step: pause around the part to undo.
  await alice.waitForTimeout(600)
  await alice.keyboard.type('to be undone')
  await waitForEditorText(bob, 'to be undone')
  await alice.waitForTimeout(600)
  await alice.keyboard.press('Control+z')
  await eventually(async () => {
    const text = await editorText(bob)
    assert.ok(!text.includes('to be undone') && text.includes('let x = 1'), text)
  })
  await alice.locator('button[aria-label="Redo"]').dispatchEvent('mousedown')
  await waitForEditorText(bob, 'to be undone')

  await alice.locator('#my-name').fill('Alice Liddell')
  await alice.locator('#my-name').press('Enter')
  await bob.locator('[data-testid="presence"] li[aria-label="Alice Liddell"]').waitFor()
  await waitForStatus(alice, 'Saved')
  // The rename reaches the document's record without a reload or a new edit.
  await eventually(async () => {
    const c = await api(session.server, 'GET', `/docs/${id}/contributions`)
    assert.deepEqual(c.authors.map((a) => a.name).sort(), ['Alice Liddell'])
  })
})

test('every button has an accessible name', async () => {
  const page = session.pages[0]
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, summary, input, select')]
    .filter((el) => (el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? '').trim() === '')
    .map((el) => el.outerHTML.slice(0, 80)))
  assert.deepEqual(unnamed, [])
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
