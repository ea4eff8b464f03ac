// Undo and redo in the editor: small steps, nothing lost, and the shortcuts
// the toolbar advertises.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createDoc, editor, editorText, eventually, focusEnd, screenshotPath, testSession, waitForStatus
} from './lib.mjs'

const session = testSession()

const FULL = 'Sentence one. Sentence two.'

/** Opens a new blank document and types two sentences at a person's pace. */
async function typedDocument (title) {
  const id = await createDoc(session.server, title)
  const page = await session.open(`/d/${id}`, { name: 'Writer' })
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  await focusEnd(page)
  await page.keyboard.type('Sentence one. ', { delay: 90 })
  await page.keyboard.type('Sentence two.', { delay: 90 })
  await waitForStatus(page, 'Saved')
  assert.equal(await editorText(page), FULL)
  return page
}

/** Whether the toolbar's undo and redo buttons can be used. */
async function available (page) {
  return {
    undo: await page.locator('button[aria-label="Undo"]').isEnabled(),
    redo: await page.locator('button[aria-label="Redo"]').isEnabled()
  }
}

/** The document's HTML as the editor shows it, to compare structure and not only text. */
function editorHtml (page) {
  return editor(page).evaluate((el) => el.innerHTML)
}

/**
 * Types a marker and waits for it: keys are handled in order, so once the
 * marker shows, whatever the keys before it did has happened. Then deletes it.
 */
async function settle (page) {
  await page.keyboard.type('#')
  await eventually(async () => assert.ok((await editorText(page)).endsWith('#')))
  await page.keyboard.press('Backspace')
  await eventually(async () => assert.ok(!(await editorText(page)).endsWith('#')))
}

test('one undo takes back the last words, not the whole sentence, and redo restores them', async () => {
  const page = await typedDocument('Undo a little')
  const typed = await editorHtml(page)

  await page.locator('button[aria-label="Undo"]').dispatchEvent('mousedown')
  const after = await eventually(async () => {
    const text = await editorText(page)
    assert.notEqual(text, FULL)
    return text
  })
  assert.ok(FULL.startsWith(after), `undo left ${JSON.stringify(after)}`)
  assert.ok(after.length >= 'Sentence one. '.length, `one undo took back too much: ${JSON.stringify(after)}`)
  assert.deepEqual(await available(page), { undo: true, redo: true })
  await page.screenshot({ path: await screenshotPath('undo-once') })

  await page.locator('button[aria-label="Redo"]').dispatchEvent('mousedown')
  await eventually(async () => assert.equal(await editorText(page), FULL))
  assert.equal(await editorHtml(page), typed)
  await waitForStatus(page, 'Saved')
})

test('undoing everything and redoing everything gives back the same document', async () => {
  const page = await typedDocument('Undo all')
  const typed = await editorHtml(page)

  let undos = 0
  while ((await available(page)).undo) {
    await page.keyboard.press('Control+z')
    undos++
    assert.ok(undos <= FULL.length, 'the undo button stays enabled')
  }
  assert.ok(undos > 1, `the two sentences were one undo step (${undos})`)
  assert.equal(await editorText(page), '')
  // Nothing the editor does afterwards may empty the redo stack.
  await waitForStatus(page, 'Saved')
  assert.deepEqual(await available(page), { undo: false, redo: true })

  let redos = 0
  while ((await available(page)).redo) {
    await page.keyboard.press(redos % 2 === 0 ? 'Control+y' : 'Control+Shift+Z')
    redos++
    assert.ok(redos <= undos, 'the redo button stays enabled')
  }
  assert.equal(redos, undos)
  assert.equal(await editorText(page), FULL)
  assert.equal(await editorHtml(page), typed)

  // What was redone is the document the server keeps.
  await waitForStatus(page, 'Saved')
  await page.reload()
  await eventually(async () => assert.equal(await editorText(page), FULL))
})

test('Ctrl+Y redoes, and Ctrl+Shift+Z with nothing to redo changes nothing', async () => {
  const page = await typedDocument('Redo keys')
  await page.keyboard.press('Control+z')
  await eventually(async () => assert.notEqual(await editorText(page), FULL))
  await page.keyboard.press('Control+y')
  await eventually(async () => assert.equal(await editorText(page), FULL))
  assert.deepEqual(await available(page), { undo: true, redo: false })

  // Browsers report Shift+Z as 'Z' or as 'z' with Shift held; neither may undo.
  for (const key of ['Control+Shift+z', 'Control+Shift+Z', 'Control+y']) {
    await page.keyboard.press(key)
    await settle(page)
    assert.equal(await editorText(page), FULL, `${key} with nothing to redo`)
  }
  await waitForStatus(page, 'Saved')
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
