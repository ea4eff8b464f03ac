// The teacher's pages: insights lists each member with the right numbers and
// follows new edits; the history slider shows earlier revisions and plays;
// author colours in the editor follow the server's authorship record.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createDoc, editor, eventually, focusEnd, screenshotPath, testSession, waitForEditorText,
  waitForStatus
} from './lib.mjs'

const session = testSession()
let id, alice, bob

async function api (path) {
  const response = await fetch(`${session.server.url}/api/v1${path}`)
  assert.equal(response.status, 200, `GET ${path}`)
  return path.includes('/export/') ? response.text() : response.json()
}

/** The numbers in an author's row of the insights table, by column. */
async function authorRow (page, name) {
  const row = page.locator('[data-testid="authors-table"] tbody tr', { has: page.locator(`[data-col="name"]:text-is("${name}")`) })
  await row.waitFor()
  const values = {}
  for (const col of ['share', 'present', 'inserted', 'deleted', 'edits', 'active_minutes']) {
    values[col] = Number(await row.locator(`[data-col="${col}"]`).getAttribute('data-value'))
  }
  values.shareText = await row.locator('[data-col="share"]').innerText()
  return values
}

const ALICE_TEXT = 'The quick brown fox.'
const BOB_TEXT = ' Bob adds this.'

test('two people write; insights lists each with the right numbers', async () => {
  id = await createDoc(session.server, 'Group essay')
  alice = await session.open(`/d/${id}`, { name: 'Alice' })
  await editor(alice).waitFor()
  await waitForStatus(alice, 'Saved')
  await focusEnd(alice)
  await alice.keyboard.type(ALICE_TEXT, { delay: 10 })
  await waitForStatus(alice, 'Saved')

  bob = await session.open(`/d/${id}`, { name: 'Bob' })
  await waitForEditorText(bob, ALICE_TEXT)
  await waitForStatus(bob, 'Saved')
  await focusEnd(bob)
  await bob.keyboard.type(BOB_TEXT, { delay: 10 })
  // Bob deletes "fox." from Alice's text.
  for (let i = 0; i < BOB_TEXT.length; i++) await bob.keyboard.press('ArrowLeft')
  for (let i = 0; i < 4; i++) await bob.keyboard.press('Backspace')
  await waitForEditorText(alice, `The quick brown ${BOB_TEXT}`)
  await waitForStatus(bob, 'Saved')

  const teacher = await session.open(`/d/${id}/insights`)
  const a = await authorRow(teacher, 'Alice')
  const b = await authorRow(teacher, 'Bob')
  assert.deepEqual([a.present, a.inserted, a.deleted], [16, 20, 0])
  assert.deepEqual([b.present, b.inserted, b.deleted], [15, 15, 4])
  assert.equal(a.shareText, '51.6%')
  assert.equal(b.shareText, '48.4%')
  assert.ok(a.edits >= 1 && b.edits >= 1 && a.active_minutes >= 1)
  const api0 = await api(`/docs/${id}/contributions`)
  const apiAlice = api0.authors.find((x) => x.name === 'Alice')
  assert.equal(a.edits, apiAlice.edits)
  assert.match(await teacher.locator('[data-testid="summary"]').innerText(), /^31 characters/)
  // Present per section: no heading yet, so one section before the first heading.
  const sections = teacher.locator('[data-testid="sections-table"]')
  assert.match(await sections.innerText(), /Before the first heading\s+16\s+15/)
  // The timeline draws both authors.
  const titles = await teacher.locator('[data-testid="timeline"] svg rect title').allTextContents()
  assert.ok(titles.some((t) => t.startsWith('Alice, ')) && titles.some((t) => t.startsWith('Bob, ')), titles.join('; '))
  await teacher.locator('#bucket').selectOption('3600')
  await teacher.locator('[data-testid="timeline"] svg rect').first().waitFor()

  // It follows new edits without a reload.
  await bob.keyboard.press('Control+End')
  await bob.keyboard.type('!!')
  await eventually(async () => assert.equal((await authorRow(teacher, 'Bob')).inserted, 17), 10000)

  // The text by author, in a sandboxed frame.
  await teacher.locator('button[aria-controls="authored-panel"]').click()
  const frame = teacher.frameLocator('[data-testid="authored"]')
  await frame.locator('span', { hasText: 'Bob adds this.!!' }).waitFor()
  assert.equal(await frame.locator('span', { hasText: 'The quick brown' }).count(), 1)
  assert.match(await frame.locator('aside.legend').innerText(), /Alice[\s\S]*Bob|Bob[\s\S]*Alice/)
  assert.equal(await teacher.locator('[data-testid="authored"]').getAttribute('sandbox'), 'allow-same-origin allow-popups allow-popups-to-escape-sandbox')
  await teacher.screenshot({ path: await screenshotPath('insights'), fullPage: true })

  const phone = await session.open(`/d/${id}/insights`, { viewport: { width: 390, height: 844 } })
  await authorRow(phone, 'Alice')
  await phone.screenshot({ path: await screenshotPath('insights-phone'), fullPage: true })
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`)
})

test('the history slider shows an earlier revision, and play advances', async () => {
  const history = []
  for (let from = 1; from !== null;) {
    const page = await api(`/docs/${id}/history?from=${from}`)
    history.push(...page.items)
    from = page.next
  }
  // The revision where Alice's typing reaches its fifth character reads
  // "The q". (Keystrokes that reach the server within one tick in a run of
  // more than a few share one transaction, their counts on its last
  // revision: then the text there is a little longer.)
  let typed = 0
  const change = history.filter((item) => item.name === 'Alice' && item.inserted > 0)
    .find((item) => (typed += item.inserted) >= 5)
  const rev = change.rev
  const upTo = ALICE_TEXT.slice(0, typed).trim()
  assert.equal((await api(`/docs/${id}/export/txt?rev=${rev}`)).trim(), upTo)

  // The slider steps by work session: the title Quire set, Alice's typing, Bob's.
  const { steps } = await api(`/docs/${id}/history?steps=sessions`)
  assert.deepEqual(steps.map((s) => s.starting ? 'start' : s.name), ['start', 'Alice', 'Bob'])
  const page = await session.open(`/d/${id}/history`)
  const label = page.locator('[data-testid="rev-label"]')
  await eventually(async () => assert.equal(await label.innerText(), `Session 3 of 3 · revision ${history.length} of ${history.length}`))
  const doc = page.frameLocator('[data-testid="revision-doc"]')
  await doc.locator('main p', { hasText: 'Bob adds this.!!' }).waitFor()
  await page.locator('#rev-slider').focus()
  await page.keyboard.press('ArrowLeft')
  await eventually(async () => assert.equal(await label.innerText(), `Session 2 of 3 · revision ${steps[1].rev} of ${history.length}`))
  await eventually(async () => assert.equal((await doc.locator('main p').innerText()).trim(), ALICE_TEXT))
  assert.equal(await page.locator('[data-testid="change-author"]').innerText(), 'Alice')
  assert.equal(await page.locator('[data-testid="change-inserted"]').innerText(), '+20')
  await page.screenshot({ path: await screenshotPath('history-sessions') })

  // Every revision, one at a time: Home, then right arrows.
  await page.locator('#fine-steps').check()
  await eventually(async () => assert.equal(await label.innerText(), `Revision ${steps[1].rev} of ${history.length}`))
  await page.locator('#rev-slider').focus()
  await page.keyboard.press('Home')
  for (let i = 1; i < rev; i++) await page.keyboard.press('ArrowRight')
  await eventually(async () => assert.equal(await label.innerText(), `Revision ${rev} of ${history.length}`))
  await eventually(async () => assert.equal((await doc.locator('main p').innerText()).trim(), upTo))
  assert.equal(await page.locator('[data-testid="revision-doc"]').getAttribute('data-rev'), String(rev))
  await eventually(async () => assert.equal(await page.locator('[data-testid="change-author"]').innerText(), 'Alice'))
  assert.equal(await page.locator('[data-testid="change-inserted"]').innerText(), `+${change.inserted}`)
  assert.match(page.url(), new RegExp(`\\?rev=${rev}$`))
  const md = await page.locator('[data-testid="exports"] a[data-format="md"]').getAttribute('href')
  assert.equal(md, `/api/v1/docs/${id}/export/md?rev=${rev}`)
  assert.equal(await page.locator('[data-testid="exports"] a').count(), 6)

  await page.locator('button[aria-label="Play"]').click()
  await eventually(async () => {
    const shown = Number(/Revision (\d+)/.exec(await label.innerText())[1])
    assert.ok(shown >= rev + 2, `still at ${shown}`)
  }, 10000)
  await page.locator('button[aria-label="Pause"]').click()
  await page.locator('button[aria-label="Play"][aria-pressed="false"]').waitFor()
  await page.screenshot({ path: await screenshotPath('history') })

  // An address with ?rev= opens that revision, one that ends no session revision by revision.
  const direct = await session.open(`/d/${id}/history?rev=${rev}`, { viewport: { width: 390, height: 844 } })
  await eventually(async () => assert.equal((await direct.frameLocator('[data-testid="revision-doc"]').locator('main p').innerText()).trim(), upTo))
  await direct.screenshot({ path: await screenshotPath('history-phone') })
  const overflow = await direct.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`)
})

test('author colours in the editor tint each person\'s text and follow new edits', async () => {
  await alice.locator('summary[aria-label="More"]').click()
  await alice.locator('#author-colours').check()
  const legend = alice.locator('[data-testid="author-legend"]')
  await eventually(async () => assert.match(await legend.innerText(), /Alice[\s\S]*Bob|Bob[\s\S]*Alice/))
  const tinted = (name) => alice.locator(`.ProseMirror .author-text[title="${name}"]`).allInnerTexts()
  await eventually(async () => {
    assert.equal((await tinted('Alice')).join(''), 'The quick brown ')
    assert.equal((await tinted('Bob')).join(''), ' Bob adds this.!!')
  })
  await bob.keyboard.type(' More from Bob.')
  await eventually(async () => assert.equal((await tinted('Bob')).join(''), ' Bob adds this.!! More from Bob.'), 10000)
  await alice.screenshot({ path: await screenshotPath('editor-author-colours') })
  // Off again: no tint, no legend; the choice is remembered.
  await alice.locator('#author-colours').uncheck()
  assert.equal(await alice.locator('.ProseMirror .author-text').count(), 0)
  assert.equal(await legend.isHidden(), true)
  assert.equal(await alice.evaluate(() => localStorage.getItem('quire.authorColours')), '0')
})

test('every control on the insights and history pages has an accessible name', async () => {
  const pages = session.pages.filter((p) => /\/(insights|history)/.test(p.url()))
  for (const kind of ['insights', 'history']) {
    assert.ok(pages.some((p) => p.url().includes(`/${kind}`)), `no ${kind} page among ${session.pages.map((p) => p.url())}`)
  }
  for (const page of pages) {
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, summary, input, select, iframe')]
      .filter((el) => (el.getAttribute('aria-label') ?? el.getAttribute('title') ?? el.labels?.[0]?.textContent ?? el.textContent ?? '').trim() === '')
      .map((el) => el.outerHTML.slice(0, 80)))
    assert.deepEqual(unnamed, [], page.url())
  }
})

test('a template\'s text is shown apart and is no part of the members\' shares', async () => {
  const doc = await createDoc(session.server, 'From a template', 'meeting-notes')
  const writer = await session.open(`/d/${doc}`, { name: 'Alice' })
  await editor(writer).waitFor()
  await waitForStatus(writer, 'Saved')
  await focusEnd(writer)
  await writer.keyboard.type('Alice wrote this.', { delay: 10 })
  await waitForStatus(writer, 'Saved')

  const teacher = await session.open(`/d/${doc}/insights`)
  const alice = await authorRow(teacher, 'Alice')
  assert.equal(alice.shareText, '100.0%')
  assert.equal(await teacher.locator('[data-testid="authors-table"] tbody tr').count(), 1, 'no row for the template')
  const note = teacher.locator('[data-testid="starting"]')
  await note.filter({ hasText: 'Starting text (template or imported file)' }).waitFor()
  const c = await api(`/docs/${doc}/contributions`)
  assert.ok(c.starting.present > 0 && c.starting.share > 0.5, JSON.stringify(c.starting))
  assert.match(await note.innerText(), new RegExp(`${c.starting.present} characters`))
  assert.match(await teacher.locator('[data-testid="summary"]').innerText(), /^17 characters written/)
  await teacher.locator('button[aria-controls="authored-panel"]').click()
  const legend = teacher.frameLocator('[data-testid="authored"]').locator('aside.legend')
  await legend.filter({ hasText: 'Starting text' }).waitFor()
  assert.match(await legend.innerText(), /Alice \(100%\)/)
  await teacher.screenshot({ path: await screenshotPath('insights-template'), fullPage: true })
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
