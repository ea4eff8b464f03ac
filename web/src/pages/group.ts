/**
 * The group page at /g/{group}, where a member's sign-in link leads: the
 * group's name, your role and its documents. Teachers and editors create
 * documents (from a template or an imported file); teachers also delete
 * documents and manage the members.
 */
import { ApiError } from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { fetchGroupDocs, type GroupDocs } from '../groups/api'
import { createDocForm, docsSection } from '../groups/docs'
import { membersSection } from '../groups/members'
import { forgetToken, signedIn } from '../identity'
import { importCard } from '../panels/import'

const ROLE_LABELS: Record<GroupDocs['role'], string> = {
  teacher: 'Teacher',
  editor: 'Editor',
  viewer: 'Viewer (read-only)',
  admin: 'Admin'
}

/** What to tell someone whose group page did not load. */
function failure (err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) {
      return !signedIn()
        ? 'You are not signed in to this group. Open the sign-in link you were given.'
        : `Your sign-in does not work (${err.message}). Ask your teacher for a new link.`
    }
    if (err.status === 403) return 'Your sign-in belongs to another group. Open this group\'s sign-in link.'
    if (err.status === 404) return 'There is no such group.'
    return err.message
  }
  return err instanceof Error ? err.message : String(err)
}

function signOutButton (): HTMLElement {
  return h('button', {
    type: 'button',
    class: 'sign-out',
    'aria-label': 'Sign out of this group',
    title: 'Forget this browser\'s group sign-in',
    onclick: () => { void forgetToken().then(() => window.location.assign('/')) }
  }, 'Sign out')
}

/** Renders the page of `group` into the app root. */
export function renderGroup (group: string): void {
  document.title = 'Group · Quire'
  const root = pageRoot('page-group')
  const heading = h('h1', { id: 'group-name' }, 'Group')
  const role = h('span', { class: 'role-badge', 'data-testid': 'group-role', hidden: true })
  const main = h('main', { class: 'group-grid', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'))
  replaceChildren(root,
    h('header', { class: 'group-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      heading, role, signedIn() ? signOutButton() : null),
    main)

  fetchGroupDocs(group).then((info) => {
    document.title = `${info.name} · Quire`
    heading.textContent = info.name
    role.textContent = ROLE_LABELS[info.role] ?? info.role
    role.setAttribute('aria-label', `Your role: ${role.textContent}`)
    role.hidden = false
    const manage = info.role === 'teacher' || info.role === 'admin'
    const write = manage || info.role === 'editor'
    main.removeAttribute('aria-busy')
    replaceChildren(main,
      docsSection(info.docs, manage, write),
      write && createDocForm(group),
      write && importCard(group),
      manage && membersSection(group))
  }, (err: unknown) => {
    main.removeAttribute('aria-busy')
    replaceChildren(main, h('section', { class: 'card' },
      h('p', { class: 'error', role: 'alert' }, failure(err)),
      h('a', { href: '/' }, 'Go to the home page')))
  })
}
