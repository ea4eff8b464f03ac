// The home page: create a document from a template, find it among the recent
// ones, open one by link; the history and insights routes render.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  editor, eventually, screenshotPath, testSession, waitForStatus
} from './lib.mjs'

const session = testSession()

test('create a document from the home page, then find it among recent ones', async () => {
  const page = await session.open('/')
  await page.locator('#new-title').fill('Lab report, group 4')
  await page.locator('#new-template').selectOption('project-report')
  await page.screenshot({ path: await screenshotPath('home') })
  await page.locator('button[aria-label="Create document"]').click()
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  const id = new URL(page.url()).pathname.split('/')[2]
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  // The title arrives with the first sync, which may follow the status.
  await eventually(async () =>
    assert.equal(await page.locator('[data-testid="title"]').inputValue(), 'Lab report, group 4'))

  // The export menu links to every format.
  const exports = await page.locator('.export-menu a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))
  assert.deepEqual(exports, ['md', 'html', 'txt', 'json', 'docx', 'pdf'].map((f) => `/api/v1/docs/${id}/export/${f}`))

  await page.goto(`${session.server.url}/`)
  const recent = page.locator('.recent a', { hasText: 'Lab report, group 4' })
  await recent.waitFor()
  assert.equal(await recent.getAttribute('href'), `/d/${id}`)

  // Open by pasting a link.
  await page.locator('#open-ref').fill(`${session.server.url}/d/${id}`)
  await page.locator('button[aria-label="Open document"]').click()
  await page.waitForURL(`${session.server.url}/d/${id}`)
  await waitForStatus(page, 'Saved')

  for (const sub of ['history', 'insights']) {
    await page.goto(`${session.server.url}/d/${id}/${sub}`)
    await page.locator('h1').waitFor()
    assert.match(await page.locator('h1').textContent(), /History|Insights/)
  }
})

test('a token in the address leaves the address bar and is never kept where script can read it', async () => {
  const page = await session.open('/?token=abc123', { expectedErrors: [/status of 401/] })
  await page.locator('#new-title').waitFor()
  assert.equal(new URL(page.url()).search, '')
  assert.equal(await page.evaluate(() => window.localStorage.getItem('quire.token')), null)
  assert.equal(await page.evaluate(() => document.cookie), '')
  // The server refused the unknown token: no session cookie was set.
  assert.deepEqual((await page.context().cookies()).filter((c) => c.name === 'quire_session'), [])
})

test('the app pages carry a strict Content-Security-Policy', async () => {
  const response = await fetch(`${session.server.url}/`)
  const csp = response.headers.get('content-security-policy') ?? ''
  assert.match(csp, /script-src 'self'(;|$)/)
  assert.match(csp, /object-src 'none'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.doesNotMatch(csp, /unsafe-eval/)
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
