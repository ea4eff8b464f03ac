/** The editor page at /d/{id}: document, toolbar, people, status, chat and menus. */
import { exportUrl, EXPORT_FORMATS } from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { authorColours, authorColoursEnabled } from '../editor/authorship'
import { createEditor } from '../editor/view'
import { loadProfile, type Profile } from '../identity'
import { chatPanel } from '../panels/chat'
import { presenceList, profileEditor } from '../panels/presence'
import { statusIndicator } from '../panels/status'
import { titleInput } from '../panels/title'
import { rememberDoc } from '../recent'
import { openDocument, updateProfile } from '../sync/connection'
import { docPath } from './home'

function exportMenu (id: string): HTMLElement {
  return h('details', { class: 'menu export-menu' },
    h('summary', { 'aria-label': 'Export', title: 'Download this document' }, 'Export'),
    h('ul', { class: 'menu-items' }, ...EXPORT_FORMATS.map((f) => h('li', {},
      h('a', { href: exportUrl(id, f.ext), download: true, 'aria-label': `Export as ${f.label}` }, f.label)))))
}

function moreMenu (id: string, onAuthorColours: (on: boolean) => void): HTMLElement {
  const colours = h('input', { type: 'checkbox', id: 'author-colours', checked: authorColoursEnabled() })
  colours.addEventListener('change', () => onAuthorColours(colours.checked))
  return h('details', { class: 'menu more-menu' },
    h('summary', { 'aria-label': 'More', title: 'History, insights and view options' }, '⋯'),
    h('ul', { class: 'menu-items' },
      h('li', {}, h('a', { href: `${docPath(id)}/history` }, 'History')),
      h('li', {}, h('a', { href: `${docPath(id)}/insights` }, 'Insights')),
      h('li', {}, h('label', { for: 'author-colours' }, colours, ' Author colours'))))
}

/** Closes open menus when the user clicks elsewhere. */
function closeMenusOnOutsideClick (root: HTMLElement): void {
  document.addEventListener('click', (event) => {
    for (const menu of root.querySelectorAll('details.menu[open]')) {
      if (!menu.contains(event.target as Node)) menu.removeAttribute('open')
    }
  })
}

/** Renders the editor for document `id` and connects it to the server. */
export function renderEditor (id: string): void {
  let profile: Profile = loadProfile()
  const connection = openDocument(id, profile)
  const root = pageRoot('page-editor')

  const toolbar = h('div', { class: 'toolbar' })
  const body = h('div', { class: 'doc-scroll' })
  const view = createEditor(body, toolbar, connection.content, connection.provider.awareness)
  const colours = authorColours(view, id, connection.doc)
  colours.setEnabled(authorColoursEnabled())

  const badge = h('span', { class: 'badge', hidden: true, 'aria-label': 'unread messages', 'data-testid': 'chat-unread' })
  const chatToggle = h('button', {
    type: 'button', class: 'chat-toggle', 'aria-label': 'Chat', 'aria-expanded': 'false', 'aria-controls': 'chat-panel'
  }, 'Chat', badge)
  const chat = chatPanel(connection.chat, () => profile, {
    onUnread: (count) => {
      badge.textContent = String(count)
      badge.hidden = count === 0
      chatToggle.setAttribute('aria-label', count === 0 ? 'Chat' : `Chat, ${count} unread`)
    },
    onOpenChange: (open) => {
      chatToggle.setAttribute('aria-expanded', String(open))
      root.classList.toggle('chat-open', open)
    }
  })
  chatToggle.addEventListener('click', () => chat.setOpen(!chat.isOpen()))

  const title = titleInput(connection.meta, (text) => {
    document.title = `${text === '' ? 'Untitled' : text} · Quire`
    rememberDoc(id, text)
  })

  replaceChildren(root,
    h('header', { class: 'editor-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      title,
      statusIndicator(connection.saves),
      presenceList(connection.provider.awareness),
      profileEditor(profile, (next) => {
        profile = next
        updateProfile(connection, next)
      }),
      chatToggle,
      exportMenu(id),
      moreMenu(id, (on) => colours.setEnabled(on))),
    h('div', { class: 'editor-layout' },
      h('main', { class: 'editor-main' }, toolbar, colours.legend, body),
      chat.element))
  closeMenusOnOutsideClick(root)

  window.addEventListener('beforeunload', (event) => {
    if (!connection.saves.allSaved) event.preventDefault()
  })
  view.focus()
}
