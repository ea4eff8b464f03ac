// Groups in the browser: a teacher's sign-in link opens the group page with
// its members and documents; the teacher creates a document and manages
// members; an editor writes in it; a viewer reads it live but cannot change it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  api, editor, editorText, eventually, focusEnd, screenshotPath, testSession,
  waitForEditorText, waitForStatus
} from './lib.mjs'

const ADMIN = randomBytes(24).toString('hex')
let group, teacher, writer, viewer, handout
const session = testSession(['--admin-token', ADMIN], async ({ server }) => {
  group = await api(server, 'POST', '/groups', { name: 'Class 4B' }, ADMIN)
  const add = (name, role) => api(server, 'POST', `/groups/${group.id}/members`, { name, role }, ADMIN)
  teacher = await add('Ms Rivera', 'teacher')
  writer = await add('Sam', 'editor')
  viewer = await add('Vic', 'viewer')
  handout = await api(server, 'POST', '/docs', { title: 'Handout', group: group.id }, ADMIN)
})

/** Opens a member's sign-in link in a fresh browser context. */
async function signIn (member, options) {
  const page = await session.open(member.link, { name: member.name, ...options })
  await page.locator('[data-testid="group-role"]:not([hidden])').waitFor()
  return page
}

/** The controls of `page` that have no accessible name. */
function unnamedControls (page) {
  return page.evaluate(() => [...document.querySelectorAll('button, summary, input, select, a')]
    .filter((el) => (el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? (el.tagName === 'A' ? el.textContent : '')).trim() === '')
    .map((el) => el.outerHTML.slice(0, 80)))
}

/** Answers the next confirmation dialog with OK. */
function acceptNextDialog (page) {
  page.once('dialog', (dialog) => { void dialog.accept() })
}

let essayId, teacherPage, sam, vic

test('the teacher\'s link shows the group, its members and documents; the teacher creates a document', async () => {
  assert.match(teacher.link, new RegExp(`^/g/${group.id}\\?token=q1\\.`))
  const page = teacherPage = await signIn(teacher)
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar')
  assert.equal(await page.evaluate(() => window.localStorage.getItem('quire.token')), null, 'no script-readable copy')
  assert.ok(!(await page.evaluate(() => document.cookie)).includes(teacher.token), 'the cookie is out of reach of script')
  const cookie = (await page.context().cookies()).find((c) => c.name === 'quire_session')
  assert.equal(cookie?.value, teacher.token)
  assert.equal(cookie?.httpOnly, true)
  assert.equal(cookie?.sameSite, 'Strict')
  assert.equal(await page.locator('h1').textContent(), 'Class 4B')
  assert.equal(await page.locator('[data-testid="group-role"]').textContent(), 'Teacher')
  await page.locator('.group-docs a', { hasText: 'Handout' }).waitFor()
  const rows = page.locator('.members li')
  await eventually(async () => assert.equal(await rows.count(), 3))
  const members = await rows.evaluateAll((items) => items.map((li) =>
    [li.querySelector('.member-name').firstChild.textContent, li.querySelector('.role').textContent]))
  assert.deepEqual(members, [['Ms Rivera', 'Teacher'], ['Sam', 'Editor'], ['Vic', 'Viewer']])
  assert.deepEqual(await unnamedControls(page), [])
  // Nobody removes themselves by accident.
  assert.equal(await page.locator('button[aria-label="Remove Ms Rivera"]').count(), 0)

  // Add a member, copy their link, then remove them.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: session.server.url })
  await page.locator('#member-name').fill('Dana')
  await page.locator('#member-role').selectOption('viewer')
  await page.locator('button', { hasText: 'Add member' }).click()
  await page.locator('.members li', { hasText: 'Dana' }).waitFor()
  await page.locator('button[aria-label="Copy sign-in link of Dana"]').click()
  await page.locator('button[aria-label="Copy sign-in link of Dana"]', { hasText: 'Copied' }).waitFor()
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  assert.match(copied, new RegExp(`^${session.server.url}/g/${group.id}\\?token=q1\\.`))
  const dana = (await api(session.server, 'GET', `/groups/${group.id}/members`, undefined, ADMIN)).members.find((m) => m.name === 'Dana')
  assert.equal(copied, `${session.server.url}${dana.link}`)
  acceptNextDialog(page)
  await page.locator('button[aria-label="Remove Dana"]').click()
  await eventually(async () => assert.equal(await page.locator('.members li', { hasText: 'Dana' }).count(), 0))
  const afterRemoval = (await api(session.server, 'GET', `/groups/${group.id}/members`, undefined, ADMIN)).members
  assert.equal(afterRemoval.find((m) => m.name === 'Dana').revoked, true)

  await page.setViewportSize({ width: 390, height: 844 })
  await page.screenshot({ path: await screenshotPath('group-teacher-phone'), fullPage: true })
  await page.setViewportSize({ width: 1200, height: 800 })

  // Create a document in the group: it opens in the editor.
  await page.locator('#group-new-title').fill('Essay plan')
  await page.locator('#group-new-template').selectOption('project-report')
  await page.locator('button', { hasText: 'Create document' }).click()
  await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
  essayId = new URL(page.url()).pathname.split('/')[2]
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  await page.locator('[data-testid="access"]', { hasText: 'Teacher' }).waitFor()
  await page.locator('.more-menu summary').click()
  assert.equal(await page.locator('.more-menu button', { hasText: 'Delete document' }).isVisible(), true)
  assert.equal(await page.locator('.more-menu a', { hasText: 'Insights' }).isVisible(), true)
  const info = await api(session.server, 'GET', `/docs/${essayId}`, undefined, ADMIN)
  assert.equal(info.group, group.id)
  assert.equal(info.title, 'Essay plan')

  // Delete the handout from the group page.
  await page.goto(`${session.server.url}/g/${group.id}`)
  await page.locator('.group-docs a', { hasText: 'Essay plan' }).waitFor()
  acceptNextDialog(page)
  await page.locator('button[aria-label="Delete Handout"]').click()
  await eventually(async () => assert.equal(await page.locator('.group-docs a', { hasText: 'Handout' }).count(), 0))
  await assert.rejects(api(session.server, 'GET', `/docs/${handout.id}`, undefined, ADMIN), /410/)
})

test('an editor writes, a viewer reads live but cannot change anything', async () => {
  assert.ok(essayId, 'the previous test created the essay')
  sam = await signIn(writer)
  assert.equal(await sam.locator('[data-testid="group-role"]').textContent(), 'Editor')
  assert.equal(await sam.locator('.members').count(), 0, 'only teachers see the members')
  assert.equal(await sam.locator('button', { hasText: 'Delete' }).count(), 0)
  await sam.locator('.group-docs a', { hasText: 'Essay plan' }).click()
  await sam.waitForURL(`${session.server.url}/d/${essayId}`)
  await editor(sam).waitFor()
  await waitForStatus(sam, 'Saved')
  await sam.locator('[data-testid="access"]', { hasText: 'Editor' }).waitFor()
  await focusEnd(sam)
  await sam.keyboard.type('Sam wrote the first line.')
  await waitForStatus(sam, 'Saved')

  vic = await signIn(viewer)
  assert.equal(await vic.locator('[data-testid="group-role"]').textContent(), 'Viewer (read-only)')
  await vic.locator('.group-docs a', { hasText: 'Essay plan' }).click()
  await vic.waitForURL(`${session.server.url}/d/${essayId}`)
  await waitForEditorText(vic, 'Sam wrote the first line.')
  await vic.locator('[data-testid="access"]', { hasText: 'Read-only' }).waitFor()
  assert.equal(await editor(vic).getAttribute('contenteditable'), 'false')
  assert.equal(await editor(vic).getAttribute('aria-readonly'), 'true')
  assert.equal(await vic.locator('.toolbar').isVisible(), false)
  assert.equal(await vic.locator('[data-testid="title"]').getAttribute('readonly'), '')
  await vic.locator('.more-menu summary').click()
  assert.equal(await vic.locator('.more-menu button', { hasText: 'Delete document' }).isVisible(), false)
  assert.equal(await vic.locator('.more-menu a', { hasText: 'Insights' }).isVisible(), false)
  await vic.keyboard.press('Escape')
  assert.deepEqual(await unnamedControls(vic), [])

  // Typing changes nothing, here or for anyone else.
  const before = await editorText(vic)
  await editor(vic).click()
  await vic.keyboard.type('VIEWER WAS HERE')
  await vic.keyboard.press('Enter')
  await vic.keyboard.press('Backspace')
  await vic.locator('[data-testid="title"]').click()
  await vic.keyboard.type(' VANDAL')
  assert.equal(await editorText(vic), before)
  assert.equal(await vic.locator('[data-testid="title"]').inputValue(), 'Essay plan')

  // The editor's new text still arrives live.
  await focusEnd(sam)
  await sam.keyboard.press('Enter')
  await sam.keyboard.type('A second line, live.')
  await waitForEditorText(vic, 'A second line, live.')
  assert.ok(!(await editorText(sam)).includes('VIEWER'))
  const md = await (await fetch(`${session.server.url}/api/v1/docs/${essayId}/export/md?token=${teacher.token}`)).text()
  assert.ok(!md.includes('VIEWER') && md.includes('A second line, live.'), md)

  // Viewers read the chat but have no message box.
  await sam.locator('button.chat-toggle').click()
  await sam.locator('input[aria-label="Chat message"]').fill('Read the plan, Vic')
  await sam.locator('button[aria-label="Send message"]').click()
  await vic.locator('button.chat-toggle').click()
  await vic.locator('.chat-text', { hasText: 'Read the plan, Vic' }).waitFor()
  assert.equal(await vic.locator('input[aria-label="Chat message"]').isVisible(), false)
  // A member's name is the membership's, shown with the role, and cannot be
  // changed: chat and presence carry it, not a self-chosen guest name.
  assert.equal(await sam.locator('#my-name').isVisible(), false)
  await sam.locator('[data-testid="my-name"]', { hasText: 'Sam (editor)' }).waitFor()
  assert.equal(await vic.locator('.chat-message', { hasText: 'Read the plan, Vic' }).locator('.chat-name').textContent(), 'Sam')
  await vic.locator('[data-testid="presence"] li[aria-label="Sam (editor)"]').waitFor()
  await vic.setViewportSize({ width: 390, height: 844 })
  await vic.screenshot({ path: await screenshotPath('editor-viewer-phone') })
})

test('a removed viewer is told so; a document the teacher deletes stays deleted for those who had it open', async () => {
  assert.ok(sam && vic, 'the previous test opened the essay')
  await api(session.server, 'DELETE', `/groups/${group.id}/members/${viewer.member_id}`, undefined, ADMIN)
  await vic.locator('.access-notice', { hasText: 'Your access was removed' }).waitFor()

  // Sam's page is told by the closing connection or, if it was reconnecting
  // just then, by the API after the refused handshake (which Chromium logs).
  sam.expectedErrors.push(/Unexpected response code: 410/, /status of 410/)
  await teacherPage.goto(`${session.server.url}/d/${essayId}`)
  await waitForEditorText(teacherPage, 'A second line, live.')
  await teacherPage.locator('.more-menu summary').click()
  acceptNextDialog(teacherPage)
  await teacherPage.locator('.more-menu button', { hasText: 'Delete document' }).click()
  await teacherPage.waitForURL(`${session.server.url}/g/${group.id}`)
  await teacherPage.locator('.group-docs + p', { hasText: 'No documents yet' }).waitFor()
  await sam.locator('.access-notice', { hasText: 'This document was deleted' }).waitFor()
  assert.equal(await editor(sam).getAttribute('contenteditable'), 'false')
  // Sam's page does not reconnect and write the document back.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  await assert.rejects(api(session.server, 'GET', `/docs/${essayId}`, undefined, ADMIN), /410/)

  // An old link to the deleted document says so and stops trying.
  const late = await session.open(`/d/${essayId}`, {
    name: 'Sam', token: writer.token, expectedErrors: [/Unexpected response code: 410/, /status of 410/]
  })
  // A signed-in member's page asks the API first: no editor, no connection.
  await late.locator('[data-testid="not-found"]', { hasText: 'This document was deleted' }).waitFor()
  assert.equal(await late.title(), 'Deleted · Quire')
  assert.equal(await editor(late).count(), 0)
  assert.equal(late.expectedSeen.filter((text) => /Unexpected response code/.test(text)).length, 0, 'no websocket was opened')
})

test('without a token the group page says how to sign in', async () => {
  const page = await session.open(`/g/${group.id}`, { expectedErrors: [/401/] })
  await page.locator('[role="alert"]', { hasText: 'not signed in' }).waitFor()
  await eventually(() => assert.ok(page.expectedSeen.some((text) => /401/.test(text)), 'the refused request was logged'))
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
