// The save status tells the truth, and a crashed server loses nothing: after
// SIGKILL and a restart on the same data directory and port, saved text is
// there and an open page reconnects by itself, merging what was typed offline.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createDoc, editor, editorText, focusEnd, startServer, testSession, waitForEditorText,
  waitForStatus
} from './lib.mjs'

// Chromium itself logs a reconnection attempt that finds the server down; the
// page's own code logs nothing.
const SERVER_DOWN = [
  /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/[\w-]+\?[^']*' failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED$/,
  // The page asks the API why it cannot connect (a deleted document, a revoked token):
  // refused while the server is down, or reset on a kept-alive connection to the
  // killed process.
  /^Failed to load resource: net::ERR_CONNECTION_(REFUSED|RESET)$/
]

const session = testSession()

async function join (id, name) {
  const page = await session.open(`/d/${id}`, { name })
  await editor(page).waitFor()
  await waitForStatus(page, 'Saved')
  return page
}

test('saved text survives a crash and an open page reconnects by itself', async () => {
  // Written, saved, and closed: only the server has this document afterwards.
  const closedDoc = await createDoc(session.server, 'Closed before the crash')
  const writer = await join(closedDoc, 'Wendy')
  await focusEnd(writer)
  await writer.keyboard.type('Stored on disk before the crash.')
  await waitForStatus(writer, 'Saved')
  await writer.context().close()

  // Open during the crash.
  const openDoc = await createDoc(session.server, 'Open during the crash')
  const alice = await join(openDoc, 'Alice')
  await focusEnd(alice)
  await alice.keyboard.type('Typed before the crash.')
  await waitForStatus(alice, 'Saved')
  alice.expectedErrors.push(...SERVER_DOWN)

  const port = session.server.port
  await session.server.kill()
  await waitForStatus(alice, 'Offline')
  await alice.keyboard.press('Enter')
  await alice.keyboard.type('Typed while offline.')
  assert.equal(await alice.locator('[data-testid="status"]').textContent(), 'Offline')

  session.server = await startServer(session.dataDir, port)

  // The document nobody had open comes back from disk.
  const reader = await join(closedDoc, 'Rita')
  await waitForEditorText(reader, 'Stored on disk before the crash.')

  // The open page reconnects without help and its offline edit is merged and saved.
  await waitForStatus(alice, 'Saved', 20000)
  // Connected again: from here on any error is a real one.
  alice.expectedErrors.length = 0
  const bob = await join(openDoc, 'Bob')
  await waitForEditorText(bob, 'Typed before the crash.')
  await waitForEditorText(bob, 'Typed while offline.')

  // New edits flow both ways after the reconnect.
  await alice.keyboard.type(' And after.')
  await waitForEditorText(bob, 'Typed while offline. And after.')
  await focusEnd(bob)
  await bob.keyboard.type(' Bob was here.')
  await waitForEditorText(alice, 'Bob was here.')
  await waitForStatus(bob, 'Saved')
  await waitForStatus(alice, 'Saved')
  assert.equal(await editorText(alice), await editorText(bob))
})

test('no page logged an error, apart from Chromium\'s while the session.server was down', (t) => {
  for (const page of session.pages) {
    assert.deepEqual(page.errors, [], `console errors on ${page.url()}`)
    for (const text of page.expectedSeen) t.diagnostic(`while the session.server was down: ${text}`)
  }
})
