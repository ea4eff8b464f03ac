// Addresses: a new document's link opens cleanly, and an address that leads
// nowhere shows the app's own "Not found" page.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  editor, editorText, eventually, focusEnd, screenshotPath, testSession, waitForStatus
} from './lib.mjs'

const session = testSession()

/** Every failed request of `page`, as "STATUS URL". */
function failedRequests (page) {
  const failed = []
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`)
  })
  return failed
}

test('opening a document that does not exist yet asks nothing that fails, and it exists once written', async () => {
  const id = `new-${randomBytes(6).toString('hex')}`
  const page = await session.open('/')
  const failed = failedRequests(page)
  await page.goto(`${session.server.url}/d/${id}`)
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  // Whatever the page asks on opening has been answered once nothing is in flight.
  await page.waitForLoadState('networkidle')
  assert.deepEqual(failed, [])
  assert.deepEqual(page.errors, [])

  await focusEnd(page)
  await page.keyboard.type('The first words.')
  await waitForStatus(page, 'Saved')
  await page.reload()
  await eventually(async () => assert.equal(await editorText(page), 'The first words.'))
  await page.waitForLoadState('networkidle')
  assert.deepEqual(failed, [])
})

test('a document address the app does not know shows Not found', async () => {
  const page = await session.open('/d/not.a.valid.id')
  await page.locator('h1', { hasText: 'Not found' }).waitFor()
  assert.equal(await page.title(), 'Not found · Quire')
  assert.equal(await page.locator('a', { hasText: 'Go to the home page' }).getAttribute('href'), '/')
  await page.screenshot({ path: await screenshotPath('not-found') })
})

test('an unknown address shows Not found, not a blank page', async () => {
  for (const path of ['/no/such/page', '/d/abc/extra', '/settings']) {
    const page = await session.open(path, { expectedErrors: [/status of 404/] })
    await page.locator('h1', { hasText: 'Not found' }).waitFor({ timeout: 5000 })
    assert.equal(await page.title(), 'Not found · Quire')
  }
  // Under /api/ an unknown address is the API's JSON error.
  const response = await fetch(`${session.server.url}/api/v1/nothing-here`)
  assert.equal(response.status, 404)
  assert.equal((await response.json()).error, 'not_found')
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
