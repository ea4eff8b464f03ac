// What a group's editors may do in the browser: create and import documents
// in their group (the import is the document's starting text, nobody's
// share), see their document's history (not its insights); a mistyped
// document id shows the not-found page instead of an empty saved document;
// a page the server refuses says so once and stops asking.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  api, editor, eventually, focusEnd, screenshotPath, testSession, waitForEditorText, waitForStatus
} from './lib.mjs'

const ADMIN = randomBytes(24).toString('hex')
let group, writer
const session = testSession(['--admin-token', ADMIN], async ({ server }) => {
  group = await api(server, 'POST', '/groups', { name: 'Class 4B' }, ADMIN)
  writer = await api(server, 'POST', `/groups/${group.id}/members`, { name: 'Sam', role: 'editor' }, ADMIN)
})

/** Opens a member's sign-in link in a fresh browser context. */
async function signIn (member, options) {
  const page = await session.open(member.link, { name: member.name, ...options })
  await page.locator('[data-testid="group-role"]:not([hidden])').waitFor()
  return page
}

let imported, sam

test('an editor creates and imports documents in the group; the import is starting text', async () => {
  sam = await signIn(writer)
  assert.equal(await sam.locator('[data-testid="group-role"]').textContent(), 'Editor')
  await sam.locator('#import-heading', { hasText: 'Import a file into this group' }).waitFor()
  assert.equal(await sam.locator('button', { hasText: 'Create document' }).isVisible(), true)
  assert.equal(await sam.locator('.members').count(), 0, 'members stay the teachers\'')
  await sam.screenshot({ path: await screenshotPath('group-editor'), fullPage: true })

  await sam.locator('#import-file').setInputFiles({
    name: 'Lab handout.md', mimeType: 'text/markdown', buffer: Buffer.from('# Questions\n\nWhat did you measure?\n')
  })
  await sam.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  imported = new URL(sam.url()).pathname.split('/')[2]
  await waitForEditorText(sam, 'What did you measure?')
  await waitForStatus(sam, 'Saved')
  const info = await api(session.server, 'GET', `/docs/${imported}`, undefined, ADMIN)
  assert.equal(info.group, group.id)
  assert.equal(info.title, 'Lab handout')

  await focusEnd(sam)
  await sam.keyboard.press('Enter')
  await sam.keyboard.type('We measured the time.')
  await waitForStatus(sam, 'Saved')
  const c = await api(session.server, 'GET', `/docs/${imported}/contributions`, undefined, ADMIN)
  assert.deepEqual(c.authors.map((a) => [a.name, a.present, a.share]), [['Sam', 21, 1]])
  assert.equal(c.starting.present, 'QuestionsWhat did you measure?'.length)

  // A new document from the form, too.
  await sam.goto(`${session.server.url}/g/${group.id}`)
  await sam.locator('#group-new-title').fill('Our notes')
  await sam.locator('button', { hasText: 'Create document' }).click()
  await sam.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  await editor(sam).waitFor()
  const made = new URL(sam.url()).pathname.split('/')[2]
  assert.equal((await api(session.server, 'GET', `/docs/${made}`, undefined, ADMIN)).group, group.id)
})

test('an editor opens the history from the menu and sees every change; insights stay the teacher\'s', async () => {
  assert.ok(imported, 'the previous test imported a document')
  await sam.goto(`${session.server.url}/d/${imported}`)
  await waitForEditorText(sam, 'We measured the time.')
  await sam.locator('.more-menu summary').click()
  assert.equal(await sam.locator('.more-menu a', { hasText: 'Insights' }).isVisible(), false)
  await sam.locator('.more-menu a', { hasText: 'History' }).click()
  await sam.waitForURL(`${session.server.url}/d/${imported}/history`)
  const label = sam.locator('[data-testid="rev-label"]')
  // The import, then Sam's typing: two work sessions.
  await eventually(async () => assert.match(await label.innerText(), /^Session 2 of 2 · revision \d+ of \d+$/))
  await eventually(async () => assert.equal(await sam.locator('[data-testid="change-author"]').innerText(), 'Sam'))
  await sam.frameLocator('[data-testid="revision-doc"]').locator('main p', { hasText: 'We measured the time.' }).waitFor()
  await sam.locator('#rev-slider').focus()
  await sam.keyboard.press('Home')
  await eventually(async () => assert.equal(await sam.locator('[data-testid="change-author"]').innerText(), 'Starting text'))
  assert.match(await label.innerText(), /^Session 1 of 2 · /)
  assert.equal(await sam.locator('.page-nav a', { hasText: 'Insights' }).isVisible(), false)
  assert.doesNotMatch(await sam.locator('main.history').innerText(), /Could not load/)
  await sam.screenshot({ path: await screenshotPath('history-editor') })
})

test('a mistyped document id shows the not-found page, and makes no document', async () => {
  const typo = `${imported}x`
  const page = await session.open(`/d/${typo}`, { name: 'Sam', token: writer.token, expectedErrors: [/status of 404/] })
  await page.locator('[data-testid="not-found"]', { hasText: 'There is no document at this address' }).waitFor()
  assert.equal(await page.title(), 'Not found · Quire')
  assert.equal(await editor(page).count(), 0, 'no editor, and no "Saved"')
  await page.screenshot({ path: await screenshotPath('not-found-member') })
  await assert.rejects(api(session.server, 'GET', `/docs/${typo}`, undefined, ADMIN), /404/)
})

test('a page the server refuses says so once and does not ask again', async () => {
  const page = await session.open('/', { name: 'Sam', token: writer.token })
  let asked = 0
  await page.route(/\/api\/v1\/docs\/[^/]+\/history/, async (route) => {
    asked += 1
    await route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: 'forbidden', message: 'your role does not allow this' }) })
  })
  page.expectedErrors.push(/status of 403/)
  // The fake clock installs a script in every frame; the sandboxed one refuses it.
  page.expectedErrors.push(/Blocked script execution in 'about:blank'/)
  await page.clock.install()
  await page.goto(`${session.server.url}/d/${imported}/history`)
  const message = page.locator('[data-testid="history-message"]')
  await message.filter({ hasText: 'You may not see the history of this document: your role does not allow this' }).waitFor()
  assert.equal(await page.locator('h1').innerText(), 'History: No access')
  const after = asked
  assert.ok(after >= 1)
  // A minute passes on the page's clock: no retry, and the message stays.
  await page.clock.runFor(60_000)
  assert.equal(asked, after, 'the refused request was retried')
  assert.match(await message.innerText(), /You may not see the history/)
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
