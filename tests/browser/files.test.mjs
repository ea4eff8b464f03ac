// Finished documents in the browser: downloads from the editor's export menu,
// and import on the home page by file picker and by drag and drop.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import {
  createDoc, editor, focusEnd, screenshotPath, testSession, waitForEditorText, waitForStatus
} from './lib.mjs'

const session = testSession()

/** Opens the export menu and downloads `label`; resolves to the download. */
async function download (page, label) {
  await page.locator('.export-menu summary').click()
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(`.export-menu a[aria-label="Export as ${label}"]`).click()
  ])
  return file
}

test('the export menu downloads Markdown with the text, and a PDF', async () => {
  const id = await createDoc(session.server, 'Field notes, week 3')
  const page = await session.open(`/d/${id}`, { name: 'Ada' })
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  await focusEnd(page)
  await page.keyboard.type('# Pond survey')
  await page.keyboard.press('Enter')
  await page.keyboard.type('Seven newts under the bridge.')
  await waitForStatus(page, 'Saved')

  const md = await download(page, 'Markdown')
  assert.equal(md.suggestedFilename(), 'Field-notes-week-3.md')
  const text = await readFile(await md.path(), 'utf8')
  assert.match(text, /^# Pond survey$/m)
  assert.match(text, /Seven newts under the bridge\./)

  const pdf = await download(page, 'PDF')
  assert.equal(pdf.suggestedFilename(), 'Field-notes-week-3.pdf')
  const bytes = await readFile(await pdf.path())
  assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF')
  assert.ok(bytes.length > 500, `a PDF of ${bytes.length} bytes`)
})

test('importing a Markdown file by the file picker opens it in the editor', async () => {
  const page = await session.open('/', { name: 'Ada' })
  const markdown = '# Results of the trial\n\nThe dye turned **deep blue** within a minute.\n'
  await page.locator('#import-file').setInputFiles({
    name: 'Trial results.md', mimeType: 'text/markdown', buffer: Buffer.from(markdown)
  })
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  await page.locator('.ProseMirror h1', { hasText: 'Results of the trial' }).waitFor()
  await page.locator('.ProseMirror strong', { hasText: 'deep blue' }).waitFor()
  await waitForEditorText(page, 'within a minute.')
  await waitForStatus(page, 'Saved')
  assert.equal(await page.locator('[data-testid="title"]').inputValue(), 'Trial results')
})

test('a dropped HTML file lists what was degraded, then opens', async () => {
  const page = await session.open('/', { name: 'Ada', viewport: { width: 390, height: 844 } })
  const html = '<h2>Budget</h2><p>Costs <em>so far</em>:</p><table><tr><td>Rope</td><td>12</td></tr></table>'
  const dataTransfer = await page.evaluateHandle((content) => {
    const transfer = new DataTransfer()
    transfer.items.add(new File([content], 'budget.html', { type: 'text/html' }))
    return transfer
  }, html)
  await page.locator('[data-testid="drop-zone"]').dispatchEvent('dragover', { dataTransfer })
  await page.locator('[data-testid="drop-zone"]').dispatchEvent('drop', { dataTransfer })
  const degraded = page.locator('ul.degraded li')
  await degraded.first().waitFor()
  assert.deepEqual(await degraded.allTextContents(), ['table'])
  await page.screenshot({ path: await screenshotPath('import-degraded-phone') })
  await page.locator('a', { hasText: 'Open the document' }).click()
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  await page.locator('.ProseMirror h2', { hasText: 'Budget' }).waitFor()
  await waitForEditorText(page, 'Rope')
  assert.equal(await page.locator('[data-testid="title"]').inputValue(), 'budget')
})

test('a file of another kind is refused without creating anything', async () => {
  const page = await session.open('/')
  const listed = async () => {
    const response = await fetch(`${session.server.url}/api/v1/docs`)
    assert.equal(response.status, 200)
    const docs = await response.json()
    assert.ok(Array.isArray(docs), JSON.stringify(docs))
    return docs
  }
  const before = await listed()
  // Earlier tests imported documents: the list is not trivially empty.
  assert.ok(before.length > 0, 'no documents listed')
  await page.locator('#import-file').setInputFiles({
    name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47])
  })
  await page.locator('.error', { hasText: 'photo.png is not a Markdown, text or HTML file.' }).waitFor()
  const afterwards = await listed()
  assert.deepEqual(afterwards.map((d) => d.id).sort(), before.map((d) => d.id).sort())
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
