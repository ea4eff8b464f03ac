// Link targets and image sources: the server refuses an update that writes
// an unsafe one, and the editor renders, accepts and pastes only safe ones
// (the rule of crdt-core's schema::is_safe_url), whatever reaches it: the
// rendering tests feed it the hostile update on its own websocket, as a
// document stored before the server's check would.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import * as Y from 'yjs'
import {
  api, editor, eventually, screenshotPath, testSession, waitForEditorText, waitForStatus, writeUpdate
} from './lib.mjs'

const ADMIN = randomBytes(24).toString('hex')
let writer, reader, doc
const session = testSession(['--admin-token', ADMIN], async ({ server }) => {
  const group = await api(server, 'POST', '/groups', { name: 'Links' }, ADMIN)
  writer = await api(server, 'POST', `/groups/${group.id}/members`, { name: 'Wren', role: 'editor' }, ADMIN)
  reader = await api(server, 'POST', `/groups/${group.id}/members`, { name: 'Ria', role: 'viewer' }, ADMIN)
  doc = await api(server, 'POST', '/docs', { title: 'Links', group: group.id }, ADMIN)
  await writeUpdate(server, doc.id, plainUpdate('Words at the end'), { token: writer.token })
})

/** One paragraph of plain text, as any Yjs client could write it. */
function plainUpdate (text) {
  const ydoc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  ydoc.getXmlFragment('content').insert(0, [paragraph])
  const run = new Y.XmlText()
  run.insert(0, text)
  paragraph.insert(0, [run])
  return Y.encodeStateAsUpdate(ydoc)
}

/** What each script link would do if it ran: mark the page. */
const PAYLOAD = 'void(document.body.dataset.pwned=1)'
/** A 1×1 PNG. */
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='

/** Link text, the href written into the document, and the href the editor may render (null: none). */
const LINKS = [
  ['script link', `javascript:${PAYLOAD}`, null],
  ['spelled link', ` JaVa\tScRi\npt:${PAYLOAD}`, null],
  ['vb link', 'vbscript:msgbox(1)', null],
  ['data link', 'data:text/html,<script>parent.document.body.dataset.pwned=1</script>', null],
  ['web link', 'https://example.com/page', 'https://example.com/page'],
  ['mail link', 'mailto:wren@example.com', 'mailto:wren@example.com'],
  ['relative link', '/d/elsewhere', '/d/elsewhere']
]
/** Alt text, the src written, and the src the editor may render. */
const IMAGES = [
  ['svg image', 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', null],
  ['script image', `javascript:${PAYLOAD}`, null],
  ['png image', PNG, PNG]
]

/** Writes one paragraph with every link and image above, as any Yjs client could. */
function hostileUpdate () {
  const ydoc = new Y.Doc()
  const paragraph = new Y.XmlElement('paragraph')
  ydoc.getXmlFragment('content').insert(0, [paragraph])
  const children = []
  for (const [text, href] of LINKS) {
    const run = new Y.XmlText()
    run.insert(0, ' ')
    run.insert(1, text, { link: { href, title: null } })
    children.push(run)
  }
  for (const [alt, src] of IMAGES) {
    const img = new Y.XmlElement('image')
    img.setAttribute('src', src)
    img.setAttribute('alt', alt)
    children.push(img)
  }
  const end = new Y.XmlText()
  end.insert(0, ' end')
  children.push(end)
  paragraph.insert(0, children)
  return Y.encodeStateAsUpdate(ydoc)
}

/** [text, href] of every link in the editor. */
function renderedLinks (page) {
  return page.locator('.ProseMirror a').evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute('href')]))
}

/** [alt, src] of every image in the editor (not ProseMirror's own separator images). */
function renderedImages (page) {
  return page.locator('.ProseMirror img:not(.ProseMirror-separator)').evaluateAll((imgs) => imgs.map((img) => [img.getAttribute('alt'), img.getAttribute('src')]))
}

/** Answers the page's dialogs in turn: a string answers a prompt, null accepts an alert. Returns their messages. */
function answerDialogs (page, answers) {
  const messages = []
  const queue = [...answers]
  const handler = (dialog) => {
    messages.push(`${dialog.type()}: ${dialog.message()}`)
    const answer = queue.shift()
    if (queue.length === 0) page.off('dialog', handler)
    void (dialog.type() === 'prompt' ? dialog.accept(answer ?? '') : dialog.accept())
  }
  page.on('dialog', handler)
  return messages
}

/** Selects the text `needle` in the editor. */
async function selectText (page, needle) {
  await editor(page).evaluate((el, text) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const at = node.data.indexOf(text)
      if (at < 0) continue
      const range = document.createRange()
      range.setStart(node, at)
      range.setEnd(node, at + text.length)
      window.getSelection().removeAllRanges()
      window.getSelection().addRange(range)
      return
    }
    throw new Error(`no text ${text}`)
  }, needle)
}

/** Encodes a y-protocols sync Update message. */
function updateMessage (update) {
  const length = []
  for (let n = update.length; ; n >>>= 7) {
    if (n < 0x80) { length.push(n); break }
    length.push((n & 0x7f) | 0x80)
  }
  return Buffer.from([0, 2, ...length, ...update])
}

/**
 * Relays the page's websocket to the server and slips the hostile update in
 * right after the server's SyncStep1: the page has then already answered
 * with its SyncStep2, so it never offers the server what it was fed.
 */
function feedHostileUpdate (page) {
  return page.routeWebSocket(/\/ws\//, (ws) => {
    const server = ws.connectToServer()
    let fed = false
    server.onMessage((message) => {
      ws.send(message)
      if (!fed && typeof message !== 'string' && message[0] === 0 && message[1] === 0) {
        fed = true
        ws.send(updateMessage(hostileUpdate()))
      }
    })
    ws.onMessage((message) => server.send(message))
  })
}

test('the server refuses an update that writes unsafe link targets or image sources', async () => {
  await assert.rejects(writeUpdate(session.server, doc.id, hostileUpdate(), { token: writer.token }), /closed before Saved/)
  const response = await fetch(`${session.server.url}/api/v1/docs/${doc.id}/export/json?token=${writer.token}`)
  assert.equal(response.status, 200)
  const stored = JSON.stringify(await response.json())
  assert.doesNotMatch(stored, /script link|javascript|vbscript/i, 'nothing of the update was stored')
})

test('links and images that reach the editor render only with safe addresses', async () => {
  const page = await session.open(`/d/${doc.id}`, { name: writer.name, token: writer.token, prepare: feedHostileUpdate })
  await waitForEditorText(page, 'relative link')
  await waitForStatus(page, 'Saved')
  assert.deepEqual(await renderedLinks(page), LINKS.map(([text, , shown]) => [text, shown]))
  assert.deepEqual(await renderedImages(page), IMAGES.map(([alt, , shown]) => [alt, shown]))
  // Nothing anywhere in the page carries a script address.
  const scripted = await page.evaluate(() => [...document.querySelectorAll('[href], [src]')]
    .map((el) => el.getAttribute('href') ?? el.getAttribute('src'))
    .filter((url) => /^\s*(javascript|vbscript|data:text)/i.test(url.replace(/[\s\u0000-\u001f]/g, ''))))
  assert.deepEqual(scripted, [])
  await page.screenshot({ path: await screenshotPath('links-unsafe') })
})

test('a viewer clicking a script link runs nothing', async () => {
  const page = await session.open(`/d/${doc.id}`, { name: reader.name, token: reader.token, prepare: feedHostileUpdate })
  await waitForEditorText(page, 'script link')
  await eventually(async () => assert.equal(await editor(page).getAttribute('contenteditable'), 'false'))
  const url = page.url()
  const dialogs = answerDialogs(page, [null])
  for (const [text] of LINKS.slice(0, 3)) {
    await page.locator('.ProseMirror a', { hasText: text }).click()
  }
  // A followed link runs or navigates in a later task: let a frame and a task pass.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))))
  assert.equal(await page.evaluate(() => document.body.dataset.pwned ?? null), null)
  assert.equal(page.url(), url)
  assert.deepEqual(dialogs, [])
})

test('the add-link command refuses unsafe addresses however they are spelled', async () => {
  const page = await session.open(`/d/${doc.id}`, { name: writer.name, token: writer.token })
  await waitForEditorText(page, ' end')
  const before = await renderedLinks(page)
  for (const address of ['vbscript:msgbox(1)', ' JAVA\tscript:alert(1)', 'data:text/html,hi']) {
    await selectText(page, 'end')
    const dialogs = answerDialogs(page, [address, null])
    await page.keyboard.press('Control+k')
    await eventually(() => assert.equal(dialogs.length, 2, `dialogs for ${address}: ${dialogs}`))
    assert.match(dialogs[1], /^alert: A link can lead to/)
    assert.deepEqual(await renderedLinks(page), before)
  }
  await selectText(page, 'end')
  answerDialogs(page, ['https://example.org/ok'])
  await page.keyboard.press('Control+k')
  await eventually(async () => assert.deepEqual(await renderedLinks(page), [...before, ['end', 'https://example.org/ok']]))
  await waitForStatus(page, 'Saved')
})

test('pasted HTML keeps safe links and drops unsafe links and images', async () => {
  const page = await session.open(`/d/${doc.id}`, { name: writer.name, token: writer.token })
  await waitForEditorText(page, ' end')
  await editor(page).click()
  await page.keyboard.press('Control+End')
  await page.keyboard.press('Enter')
  await editor(page).evaluate((el, html) => {
    const data = new DataTransfer()
    data.setData('text/html', html)
    data.setData('text/plain', 'pasted')
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, `<p><a href="javascript:${PAYLOAD}">pasted script</a> <a href=" VBScript:x">pasted vb</a>
    <a href="https://example.net/">pasted web</a> <img src="data:image/svg+xml,&lt;svg/&gt;" alt="pasted svg">
    <img src="${PNG}" alt="pasted png"></p>`)
  await waitForEditorText(page, 'pasted web')
  const links = (await renderedLinks(page)).filter(([text]) => text.startsWith('pasted'))
  assert.deepEqual(links, [['pasted web', 'https://example.net/']])
  const images = (await renderedImages(page)).filter(([alt]) => alt.startsWith('pasted'))
  assert.deepEqual(images, [['pasted png', PNG]])
  await waitForStatus(page, 'Saved')
})

test('no page logged an error', () => {
  for (const page of session.pages) assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
})
