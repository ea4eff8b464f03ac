// Pure parts of groups and import: reading who a session signs in, the
// role badge's text, when a closed connection is final, and an imported
// file's format and title.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sessionClaims } from '../src/identity'
import { accessLabel, docAccess } from '../src/panels/access'
import { importFormatOf, titleFromFileName } from '../src/panels/import'
import { shouldReconnect } from '../src/sync/connection'

test('the session answer is read as claims; the admin and anything else are none', () => {
  assert.deepEqual(sessionClaims({ member: 'm1', group: 'g1', role: 'viewer', name: 'Ann' }),
    { member: 'm1', group: 'g1', role: 'viewer', name: 'Ann' })
  assert.deepEqual(sessionClaims({ member: 'm2', group: 'g-2', role: 'teacher' }),
    { member: 'm2', group: 'g-2', role: 'teacher', name: 'm2' })
  for (const answer of [{ role: 'admin', name: 'Admin' }, { member: 'm', group: 'g', role: 'owner' }, { member: 'm', role: 'viewer' }, {}]) {
    assert.equal(sessionClaims(answer), null, JSON.stringify(answer))
  }
})

test('the badge says Read-only for viewers and the role in a group, nothing outside groups', () => {
  assert.equal(accessLabel({ access: 'read', group: 'g' })?.text, 'Read-only')
  assert.equal(accessLabel({ access: 'read', group: null })?.text, 'Read-only')
  assert.equal(accessLabel({ access: 'edit', group: 'g' })?.text, 'Editor')
  assert.equal(accessLabel({ access: 'edit', group: null }), null)
  // Without a member token of the group, managing means the admin.
  assert.equal(accessLabel({ access: 'manage', group: 'g' })?.text, 'Admin')
  assert.deepEqual(docAccess({ id: 'd', title: '', revisions: 0 }), { access: 'edit', group: null })
  assert.deepEqual(docAccess({ id: 'd', title: '', revisions: 0, access: 'read', group: 'g' }), { access: 'read', group: 'g' })
})

test('an imported file\'s format comes from its extension, else its type', () => {
  assert.equal(importFormatOf('notes.md'), 'md')
  assert.equal(importFormatOf('NOTES.MARKDOWN'), 'md')
  assert.equal(importFormatOf('a.txt'), 'txt')
  assert.equal(importFormatOf('page.HTM'), 'html')
  assert.equal(importFormatOf('README', 'text/markdown'), 'md')
  assert.equal(importFormatOf('clip', 'text/html'), 'html')
  assert.equal(importFormatOf('photo.png', 'image/png'), null)
  assert.equal(importFormatOf('report.docx', ''), null)
})

test('a document imported from a file is titled after it', () => {
  assert.equal(titleFromFileName('Trial results.md'), 'Trial results')
  assert.equal(titleFromFileName('v1.2 draft.txt'), 'v1.2 draft')
  assert.equal(titleFromFileName('.md'), '.md')
  assert.equal(titleFromFileName(`${'x'.repeat(300)}.md`).length, 200)
})

test('a deleted document or a removed member ends the connection for good', () => {
  assert.equal(shouldReconnect(1001, 'document deleted'), false)
  assert.equal(shouldReconnect(1008, 'access revoked'), false)
  assert.equal(shouldReconnect(4403, ''), false)
  assert.equal(shouldReconnect(1001, 'server shutting down'), true)
  assert.equal(shouldReconnect(1013, ''), true)
  assert.equal(shouldReconnect(1006, ''), true)
})
