// Printing the editor page prints the document: every page of it, without the
// toolbar, the header's controls or the chat.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { test } from 'node:test'
import { promisify } from 'node:util'
import * as Y from 'yjs'
import {
  createDoc, editor, screenshotPath, testSession, waitForEditorText, waitForStatus, writeUpdate
} from './lib.mjs'

const session = testSession()
const PARAGRAPHS = 60

/** A document body of a heading and many numbered paragraphs, as a Yjs update. */
function longBody () {
  const ydoc = new Y.Doc()
  const blocks = []
  const heading = new Y.XmlElement('heading')
  heading.setAttribute('level', 1)
  heading.insert(0, [new Y.XmlText('A long report')])
  blocks.push(heading)
  for (let i = 1; i <= PARAGRAPHS; i++) {
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText(`Paragraph ${i}. ` + 'Words that fill the line and the page. '.repeat(6))])
    blocks.push(paragraph)
  }
  ydoc.getXmlFragment('content').insert(0, blocks)
  return Y.encodeStateAsUpdate(ydoc)
}

/** The number of pages of a PDF, as poppler's pdfinfo reads it. */
async function pdfPages (pdf) {
  const file = (await screenshotPath('print')).replace(/\.png$/, '.pdf')
  await writeFile(file, pdf)
  const { stdout } = await promisify(execFile)('pdfinfo', [file])
  const match = /^Pages:\s+(\d+)$/m.exec(stdout)
  assert.ok(match !== null, `pdfinfo said:\n${stdout}`)
  return Number(match[1])
}

test('the printed editor page shows the title and the whole document, not the controls', async () => {
  const id = await createDoc(session.server, 'Printed report')
  await writeUpdate(session.server, id, longBody())
  const page = await session.open(`/d/${id}`, { name: 'Printer' })
  await waitForEditorText(page, `Paragraph ${PARAGRAPHS}.`)
  await waitForStatus(page, 'Saved')
  // The chat open on screen must not be printed either.
  await page.locator('button.chat-toggle').click()
  await page.locator('.chat-panel').waitFor()

  await page.emulateMedia({ media: 'print' })
  for (const selector of ['.toolbar', '.chat-panel', '.chat-toggle', '.export-menu', '.presence', '.status', '.home-link']) {
    assert.equal(await page.locator(selector).first().isVisible(), false, `${selector} is printed`)
  }
  assert.equal(await page.locator('.doc-title').isVisible(), true)
  assert.equal(await page.locator('.doc-title').inputValue(), 'Printed report')
  assert.equal(await editor(page).isVisible(), true)
  // The body is not cut off by a scrolling box of the screen's height.
  const clipped = await page.locator('.doc-scroll').evaluate((el) => el.scrollHeight > el.clientHeight + 1)
  assert.equal(clipped, false, 'the document scrolls inside a box when printed')
  await page.screenshot({ path: await screenshotPath('print-media'), fullPage: true })

  const pages = await pdfPages(await page.pdf({ format: 'A4' }))
  assert.ok(pages >= 3, `${PARAGRAPHS} paragraphs printed on ${pages} page(s)`)
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
