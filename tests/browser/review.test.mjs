// The review part of the history page: naming a version, the versions list
// (who named each and when), restoring a version and a revision as one new
// edit that every open editor receives.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  api, createDoc, editor, editorText, eventually, focusEnd, screenshotPath, testSession, waitForEditorText,
  waitForStatus
} from './lib.mjs'

const ADMIN = 'admin-token-for-browser-tests-0123456789'
// Documents outside groups stay open with an admin token set.
const session = testSession(['--admin-token', ADMIN])

async function exported (id, query = '') {
  const response = await fetch(`${session.server.url}/api/v1/docs/${id}/export/txt${query}`)
  assert.equal(response.status, 200)
  return response.text()
}

async function revisions (id) {
  const response = await fetch(`${session.server.url}/api/v1/docs/${id}`)
  return (await response.json()).revisions
}

test('name a version, list it, restore it and a revision from the history page', async () => {
  const id = await createDoc(session.server, 'Versions')
  const alice = await session.open(`/d/${id}`, { name: 'Alice' })
  await editor(alice).waitFor()
  await waitForStatus(alice, 'Saved')
  await focusEnd(alice)
  await alice.keyboard.type('First draft.', { delay: 5 })
  await waitForStatus(alice, 'Saved')
  await eventually(async () => assert.equal(await exported(id), 'First draft.\n'))
  const draftRev = await revisions(id)

  // Bob names the current state from the history page.
  const bob = await session.open(`/d/${id}/history`, { name: 'Bob' })
  await bob.locator('#version-name').fill('Draft 1')
  await bob.locator('[data-testid="name-version"]').click()
  const row = bob.locator('[data-testid="versions"] tbody tr', { hasText: 'Draft 1' })
  await row.waitFor()
  const cells = await row.locator('td').allInnerTexts()
  assert.equal(cells[0], 'Draft 1')
  assert.equal(cells[1], String(draftRev))
  assert.equal(cells[2], 'Bob')
  assert.match(await bob.locator('[data-testid="review-status"]').innerText(), /Named revision \d+ “Draft 1”/)

  // Alice writes on; the version keeps the draft.
  await alice.keyboard.type(' Second thoughts.', { delay: 5 })
  await waitForStatus(alice, 'Saved')
  await eventually(async () => assert.equal(await exported(id), 'First draft. Second thoughts.\n'))
  assert.equal(await exported(id, '?version=1'), 'First draft.\n')
  const before = await revisions(id)

  // Restoring the version is one new edit, and Alice's editor follows.
  await row.locator('[data-testid="restore-version"]').click()
  await bob.locator('[data-testid="restore-message"]', { hasText: `Restored “Draft 1” as revision ${before + 1}.` }).waitFor()
  assert.equal(await exported(id), 'First draft.\n')
  await eventually(async () => assert.equal(await editorText(alice), 'First draft.'))
  // Only " Second thoughts." was deleted: the words that stay are still Alice's.
  const get = async (path) => (await fetch(`${session.server.url}/api/v1/docs/${id}${path}`)).json()
  const restorer = (await get(`/history?from=${before + 1}&limit=1`)).items[0].author
  const writer = (await get(`/history?from=${draftRev}&limit=1`)).items[0].author
  const present = Object.fromEntries((await get('/contributions')).authors.map((a) => [a.author_id, a.present]))
  assert.equal(present[writer], 12)
  assert.equal(present[restorer] ?? 0, 0)
  await eventually(async () => assert.equal(await bob.locator('[data-testid="revision-doc"]').getAttribute('data-rev'), String(before + 1)))
  await bob.screenshot({ path: await screenshotPath('history-versions'), fullPage: true })

  // Restoring the revision before it undoes the restore.
  const page = await session.open(`/d/${id}/history?rev=${before}`, { name: 'Carol' })
  await eventually(async () => assert.equal(await page.locator('[data-testid="revision-doc"]').getAttribute('data-rev'), String(before)))
  await page.locator('[data-testid="restore"]').click()
  await page.locator('[data-testid="restore-message"]', { hasText: `Restored revision ${before} as revision ${before + 2}.` }).waitFor()
  assert.equal(await exported(id), 'First draft. Second thoughts.\n')
  await waitForEditorText(alice, 'First draft. Second thoughts.')
  const history = await (await fetch(`${session.server.url}/api/v1/docs/${id}/history?from=${before + 1}`)).json()
  assert.deepEqual(history.items.map((i) => i.rev), [before + 1, before + 2])

  // Compare the version with the text before the restore: Alice's second
  // thoughts are an insertion in her colour.
  await page.locator('#diff-from').fill(String(draftRev))
  await page.locator('#diff-to').fill(String(before))
  await page.locator('[data-testid="compare"]').click()
  const inserted = page.locator('[data-testid="diff-text"] ins')
  await inserted.first().waitFor()
  assert.equal((await inserted.allInnerTexts()).join(''), ' Second thoughts.')
  assert.equal(await inserted.first().getAttribute('data-author'), writer)
  assert.equal(await page.locator('[data-testid="diff-text"] del').count(), 0)
  assert.equal(await page.locator('[data-testid="diff-text"]').innerText(), 'First draft. Second thoughts.\n')
  const colors = await (await fetch(`${session.server.url}/api/v1/docs/${id}/diff?from=${draftRev}&to=${before}`)).json()
  assert.match(await page.locator('[data-testid="diff-authors"]').innerText(), /\+17 −0/)
  assert.equal(await inserted.first().evaluate((el) => el.style.getPropertyValue('--author')), colors.changes.find((c) => c.kind === 'insert').color)
  await page.locator('[data-testid="diff"]').screenshot({ path: await screenshotPath('history-compare') })
  // And the restore itself: " Second thoughts." deleted, still shown as Alice's.
  await page.locator('#diff-from').fill(String(before))
  await page.locator('#diff-to').fill(String(before + 1))
  await page.locator('[data-testid="compare"]').click()
  await page.locator('[data-testid="diff-text"] del', { hasText: 'Second' }).waitFor()
  assert.equal(await page.locator('[data-testid="diff-text"] del').first().getAttribute('data-author'), writer)
  await page.screenshot({ path: await screenshotPath('history-compare-page'), fullPage: true })

  // A version compared with now, from its row.
  await page.locator('[data-testid="versions"] tbody tr', { hasText: 'Draft 1' }).locator('[data-testid="compare-version"]').click()
  await eventually(async () => assert.equal(await page.locator('#diff-from').inputValue(), String(draftRev)))
  await page.locator('[data-testid="diff-text"] ins', { hasText: 'Second' }).waitFor()

  // A phone-sized page keeps the controls usable.
  const phone = await session.open(`/d/${id}/history`, { name: 'Dan', viewport: { width: 390, height: 844 } })
  await phone.locator('[data-testid="versions"] tbody tr', { hasText: 'Draft 1' }).waitFor()
  await phone.screenshot({ path: await screenshotPath('history-versions-phone'), fullPage: true })
})

test('undo one member\'s changes: preview, then apply', async () => {
  const id = await createDoc(session.server, 'Vandal')
  const alice = await session.open(`/d/${id}`, { name: 'Alice' })
  await editor(alice).waitFor()
  await waitForStatus(alice, 'Saved')
  await focusEnd(alice)
  await alice.keyboard.type('Our careful work.', { delay: 5 })
  await waitForStatus(alice, 'Saved')
  const mallory = await session.open(`/d/${id}`, { name: 'Mallory' })
  await waitForEditorText(mallory, 'Our careful work.')
  await focusEnd(mallory)
  // Mallory deletes "careful " of Alice's and adds her own words.
  for (let i = 0; i < 'work.'.length; i++) await mallory.keyboard.press('ArrowLeft')
  for (let i = 0; i < 'careful '.length; i++) await mallory.keyboard.press('Backspace')
  await mallory.keyboard.press('End')
  await mallory.keyboard.type(' LOL', { delay: 5 })
  await waitForStatus(mallory, 'Saved')
  await eventually(async () => assert.equal(await exported(id), 'Our work. LOL\n'))
  const before = await revisions(id)

  const page = await session.open(`/d/${id}/history`, { name: 'Teacher' })
  await page.locator('#revert-author option', { hasText: 'Mallory' }).waitFor({ state: 'attached' })
  await page.locator('#revert-author').selectOption({ label: 'Mallory' })
  await page.locator('[data-testid="revert-preview"]').click()
  await page.locator('[data-testid="revert-summary"]', { hasText: 'removes 4 characters and brings back 8' }).waitFor()
  assert.equal(await revisions(id), before, 'a preview changes nothing')
  assert.equal((await page.locator('[data-testid="revert-result"] del').allInnerTexts()).join(''), ' LOL')
  assert.equal((await page.locator('[data-testid="revert-result"] ins').allInnerTexts()).join(''), 'careful ')
  await page.locator('.revert-card').screenshot({ path: await screenshotPath('history-revert-preview') })
  await page.locator('[data-testid="revert-apply"]').click()
  await page.locator('[data-testid="revert-summary"]', { hasText: `Undone as revision ${before + 1}` }).waitFor()
  assert.equal(await exported(id), 'Our careful work.\n')
  await waitForEditorText(alice, 'Our careful work.')
  assert.equal(await editorText(alice), 'Our careful work.')
})

test('in a group: viewers only read, a teacher sets the deadline, an editor hands in', async () => {
  const group = await api(session.server, 'POST', '/groups', { name: 'Class 4B' }, ADMIN)
  const member = (name, role) => api(session.server, 'POST', `/groups/${group.id}/members`, { name, role }, ADMIN)
  const [teacher, editorMember, viewer] = [await member('Ms Ada', 'teacher'), await member('Bo', 'editor'), await member('Cy', 'viewer')]
  const doc = await api(session.server, 'POST', '/docs', { title: 'Report', group: group.id }, teacher.token)
  await fetch(`${session.server.url}/api/v1/docs/${doc.id}/import?format=md&token=${editorMember.token}`, {
    method: 'POST', headers: { 'Content-Type': 'text/markdown' }, body: 'Our plan.\n'
  })

  const cy = await session.open(`/d/${doc.id}/history`, { token: viewer.token })
  await cy.locator('[data-testid="versions"]', { hasText: 'No named versions yet.' }).waitFor()
  assert.equal(await cy.locator('[data-testid="restore"]').isVisible(), false)
  assert.equal(await cy.locator('[data-testid="name-version"]').isVisible(), false)
  assert.equal(await cy.locator('[data-testid="hand-in"]').isVisible(), false)
  assert.equal(await cy.locator('[data-testid="set-deadline"]').isVisible(), false)

  const bo = await session.open(`/d/${doc.id}/history`, { token: editorMember.token })
  await bo.locator('[data-testid="hand-in"]').waitFor()
  assert.equal(await bo.locator('[data-testid="set-deadline"]').isVisible(), false)
  await bo.locator('[data-testid="hand-in"]').click()
  const handed = bo.locator('[data-testid="versions"] tbody tr', { hasText: 'Handed in by Bo' })
  await handed.waitFor()
  assert.equal(await handed.locator('.handin-badge').innerText(), 'Hand-in')
  assert.equal(await handed.getByRole('button', { name: /^Delete/ }).count(), 0, 'a student cannot delete a hand-in')

  const ada = await session.open(`/d/${doc.id}/history`, { token: teacher.token })
  await ada.locator('[data-testid="set-deadline"]').waitFor()
  await ada.locator('#handin-due').fill('2999-06-01T17:00')
  await ada.locator('[data-testid="set-deadline"]').click()
  await ada.locator('[data-testid="deadline"]', { hasText: 'Hand-in deadline:' }).waitFor()
  const listed = await api(session.server, 'GET', `/docs/${doc.id}/versions`, undefined, viewer.token)
  assert.equal(new Date(listed.handin.due_ms).getTime(), new Date('2999-06-01T17:00').getTime())
  const row = ada.locator('[data-testid="versions"] tbody tr', { hasText: 'Handed in by Bo' })
  await row.waitFor()
  assert.equal(await row.getByRole('button', { name: /^Delete/ }).count(), 1, 'a teacher may delete it')
  await ada.screenshot({ path: await screenshotPath('history-handin-teacher'), fullPage: true })
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
