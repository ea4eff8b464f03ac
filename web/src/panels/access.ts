/**
 * What the caller may do with the open document, as `GET /docs/{id}` says:
 * a badge with the role (Read-only for viewers), a link back to the group,
 * and the teacher's delete action.
 */
import { deleteDocument } from '../api'
import { h } from '../dom'
import { tokenClaims } from '../identity'
import type { DocInfo } from '../api'
import { forgetDoc } from '../recent'

/** The caller's access to a document. */
export type Access = NonNullable<DocInfo['access']>

/** A document's group and the caller's access to it. */
export interface DocAccess {
  access: Access
  group: string | null
}

/** Reads the access part of a `GET /docs/{id}` answer; a missing `access` counts as edit. */
export function docAccess (info: DocInfo): DocAccess {
  const access = info.access === 'read' || info.access === 'manage' ? info.access : 'edit'
  return { access, group: typeof info.group === 'string' ? info.group : null }
}

/**
 * The badge text and its explanation for `access`, or null when there is
 * nothing to say (anyone may edit a document outside groups).
 */
export function accessLabel ({ access, group }: DocAccess): { text: string, hint: string } | null {
  if (access === 'read') {
    return { text: 'Read-only', hint: 'You are a viewer: you can read this document and its chat, but not change them.' }
  }
  if (group === null) return null
  if (access === 'edit') return { text: 'Editor', hint: 'You are an editor in this group: you can write and chat.' }
  const claims = tokenClaims()
  return claims !== null && claims.group === group
    ? { text: 'Teacher', hint: 'You are a teacher in this group: you can delete this document and see its insights.' }
    : { text: 'Admin', hint: 'You are signed in as the admin.' }
}

/** The role badge, hidden until `show` is called with something to say. */
export function accessBadge (): { element: HTMLElement, show: (access: DocAccess) => void } {
  const element = h('span', { class: 'role-badge', 'data-testid': 'access', hidden: true })
  const show = (access: DocAccess): void => {
    const label = accessLabel(access)
    element.hidden = label === null
    if (label === null) return
    element.textContent = label.text
    element.title = label.hint
    element.setAttribute('aria-label', `Your access: ${label.text}. ${label.hint}`)
    element.dataset.access = access.access
  }
  return { element, show }
}

/** A link back to the document's group page, hidden until the group is known. */
export function groupLink (): { element: HTMLAnchorElement, show: (group: string | null) => void } {
  const element = h('a', { class: 'group-link', hidden: true, title: 'Back to the group' }, h('span', { class: 'group-link-text' }, 'Group'))
  const show = (group: string | null): void => {
    element.hidden = group === null
    if (group !== null) element.href = `/g/${encodeURIComponent(group)}`
  }
  return { element, show }
}

/**
 * The teacher's "Delete document" menu item: asks first, stops syncing (so
 * this page does not write the document again), deletes, then goes to the
 * group page (or home). If the delete fails, syncing resumes.
 */
export function deleteItem (id: string, sync: { stop: () => void, resume: () => void }): { element: HTMLElement, show: (access: DocAccess) => void } {
  let group: string | null = null
  const error = h('p', { class: 'error', role: 'alert' })
  const button = h('button', { type: 'button', class: 'menu-button danger', 'aria-label': 'Delete document' }, 'Delete document')
  button.addEventListener('click', () => {
    if (!window.confirm('Delete this document for everyone? This cannot be undone.')) return
    button.disabled = true
    error.textContent = ''
    sync.stop()
    deleteDocument(id).then(() => {
      forgetDoc(id)
      window.location.assign(group === null ? '/' : `/g/${encodeURIComponent(group)}`)
    }, (err: unknown) => {
      error.textContent = `Could not delete: ${err instanceof Error ? err.message : String(err)}`
      button.disabled = false
      sync.resume()
    })
  })
  const element = h('li', { hidden: true }, button, error)
  const show = (access: DocAccess): void => {
    group = access.group
    element.hidden = access.access !== 'manage'
  }
  return { element, show }
}
