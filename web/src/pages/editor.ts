/**
 * The editor page at /d/{id}: document, toolbar, people, status, chat and
 * menus; read-only for viewers, with a delete action for teachers.
 */
import { ApiError, EXPORT_FORMATS, exportAddress, fetchDocInfo, type DocInfo } from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { authorColours, authorColoursEnabled } from '../editor/authorship'
import { createEditor } from '../editor/view'
import { loadProfile, signedIn, tokenClaims, type Profile } from '../identity'
import { accessBadge, deleteItem, docAccess, groupLink, type DocAccess } from '../panels/access'
import { chatPanel } from '../panels/chat'
import { presenceList, profileEditor as makeProfileEditor } from '../panels/presence'
import { statusIndicator } from '../panels/status'
import { titleInput } from '../panels/title'
import { rememberDoc } from '../recent'
import { openDocument, updateProfile } from '../sync/connection'
import { docPath } from './home'
import { renderNotFound } from './not-found'

function exportMenu (id: string): HTMLElement {
  const menu = h('details', { class: 'menu export-menu' },
    h('summary', { 'aria-label': 'Export', title: 'Download this document' }, 'Export'),
    h('ul', { class: 'menu-items' }, ...EXPORT_FORMATS.map((f) => h('li', {},
      h('a', { href: exportAddress(id, f.ext), download: true, 'aria-label': `Export as ${f.label}` }, f.label)))))
  // A download leaves the page where it is: close the menu once one is chosen.
  menu.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('a') !== null) menu.removeAttribute('open')
  })
  return menu
}

function moreMenu (id: string, onAuthorColours: (on: boolean) => void, extra: HTMLElement): HTMLElement {
  const colours = h('input', { type: 'checkbox', id: 'author-colours', checked: authorColoursEnabled() })
  colours.addEventListener('change', () => onAuthorColours(colours.checked))
  return h('details', { class: 'menu more-menu' },
    h('summary', { 'aria-label': 'More', title: 'History, insights and view options' }, '⋯'),
    h('ul', { class: 'menu-items' },
      h('li', {}, h('a', { href: `${docPath(id)}/history` }, 'History')),
      h('li', { 'data-item': 'insights' }, h('a', { href: `${docPath(id)}/insights` }, 'Insights')),
      h('li', {}, h('label', { for: 'author-colours' }, colours, ' Author colours')),
      extra))
}

/** Closes open menus when the user clicks elsewhere. */
function closeMenusOnOutsideClick (root: HTMLElement): void {
  document.addEventListener('click', (event) => {
    for (const menu of root.querySelectorAll('details.menu[open]')) {
      if (!menu.contains(event.target as Node)) menu.removeAttribute('open')
    }
  })
}

/**
 * Renders the editor for document `id` and connects it to the server. A
 * signed-in member's documents are made through the API, so they exist: the
 * API is asked first, and an id it does not know (a mistyped one) shows the
 * not-found state instead of an empty document.
 */
export function renderEditor (id: string): void {
  if (!signedIn()) {
    openEditor(id, null)
    return
  }
  fetchDocInfo(id).then((info) => openEditor(id, info), (err: unknown) => {
    if (err instanceof ApiError && err.status === 404) {
      renderNotFound('There is no document at this address. Check the link, or open the document from your group\'s page.')
    } else if (err instanceof ApiError && err.status === 410) {
      renderNotFound('This document was deleted.', 'Deleted')
    } else if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      renderNotFound(`You cannot open this document: ${err.message}`, 'No access')
    } else {
      // The server is unreachable: open the editor, which connects when it can.
      openEditor(id, null)
    }
  })
}

function openEditor (id: string, known: DocInfo | null): void {
  let profile: Profile = loadProfile()
  const connection = openDocument(id, profile)
  const root = pageRoot('page-editor')
  // A viewer's token starts read-only; the server's answer decides.
  let readOnly = tokenClaims()?.role === 'viewer'

  const toolbar = h('div', { class: 'toolbar' })
  const body = h('div', { class: 'doc-scroll' })
  const view = createEditor(body, toolbar, connection.content, connection.provider.awareness, () => !readOnly)
  const colours = authorColours(view, id, connection.doc)
  colours.setEnabled(authorColoursEnabled())

  const badge = h('span', { class: 'badge', hidden: true, 'aria-label': 'unread messages', 'data-testid': 'chat-unread' })
  const chatToggle = h('button', {
    type: 'button', class: 'chat-toggle', 'aria-label': 'Chat', 'aria-expanded': 'false', 'aria-controls': 'chat-panel'
  }, 'Chat', badge)
  const chat = chatPanel(connection.chat, () => profile, () => connection.identity()?.author ?? null, {
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
  const status = statusIndicator(connection.saves)
  const role = accessBadge()
  const group = groupLink()
  const remove = deleteItem(id, {
    stop: () => connection.provider.disconnect(),
    resume: () => connection.provider.connect()
  })
  const more = moreMenu(id, (on) => colours.setEnabled(on), remove.element)
  const notice = h('p', { class: 'access-notice error', role: 'alert', hidden: true })

  /** Shows what the caller may do, and makes everything read-only for viewers. */
  const applyAccess = (access: DocAccess): void => {
    readOnly = access.access === 'read'
    view.setProps({})
    status.hidden = readOnly && connection.saves.current !== 'offline'
    toolbar.hidden = readOnly
    title.readOnly = readOnly
    chat.setWritable(!readOnly)
    role.show(access)
    group.show(access.group)
    remove.show(access)
    // Insights of a group's document are for its teachers.
    const insights = more.querySelector<HTMLElement>('[data-item="insights"]')
    if (insights !== null) insights.hidden = access.group !== null && access.access !== 'manage'
  }
  // A viewer has nothing to save: the status only tells when the connection is lost.
  connection.saves.subscribe((state) => { status.hidden = readOnly && state !== 'offline' })
  if (readOnly) applyAccess({ access: 'read', group: tokenClaims()?.group ?? null })
  /** Ends editing for good with `message`: no more connections, nothing writable. */
  const endSession = (message: string): void => {
    connection.provider.disconnect()
    notice.textContent = message
    notice.hidden = false
    readOnly = true
    view.setProps({})
    toolbar.hidden = true
    chat.setWritable(false)
  }
  const DELETED = 'This document was deleted. Nothing more can be written in it.'
  /** Ends the session if the API says the document is gone or closed to the caller. */
  const endIfRefused = (err: unknown): boolean => {
    if (!(err instanceof ApiError)) return false
    if (err.status === 410) endSession(DELETED)
    else if (err.status === 401 || err.status === 403) endSession(`You cannot open this document: ${err.message}`)
    else return false
    return true
  }
  // The server ended the connection for good: say why, and stop editing.
  connection.provider.on('closed', ({ reason }) => {
    endSession(reason === 'document deleted'
      ? DELETED
      : reason === 'access revoked'
        ? 'Your access was removed: you are no longer a member of this group.'
        : `The server closed the connection: ${reason}`)
  })
  // A browser hides why a websocket handshake failed (a deleted document
  // answers 410, a revoked token 401): after an abnormal close, ask the API,
  // at most every ten seconds while the server stays unreachable.
  let askedAt = -Infinity
  connection.provider.on('connection-close', (event) => {
    if (event === null || event.code !== 1006 || performance.now() - askedAt < 10_000) return
    askedAt = performance.now()
    fetchDocInfo(id).then(() => {}, endIfRefused)
  })
  const askAccess = (): void => {
    fetchDocInfo(id).then((info) => {
      applyAccess(docAccess(info))
    }, (err: unknown) => {
      endIfRefused(err)
    })
  }
  if (known !== null) {
    applyAccess(docAccess(known))
  } else if (signedIn()) {
    askAccess()
  } else {
    // Without a token the document is outside groups, and anyone's to edit
    // unless the server says otherwise. A new document has no metadata until
    // its first change is stored (GET /docs/{id} would answer 404): ask only
    // about one whose first sync brought content. A refused connection asks
    // on its own (above).
    const onSync = (synced: boolean): void => {
      if (!synced) return
      connection.provider.off('sync', onSync)
      if (connection.doc.store.clients.size > 0) askAccess()
    }
    connection.provider.on('sync', onSync)
  }

  const profileEditor = makeProfileEditor(profile, (next) => {
    profile = next
    updateProfile(connection, next)
  })
  // The server says who it takes this connection for: a member's name is
  // the membership's, and everyone's colour is the server's.
  connection.onIdentity((identity) => {
    if (identity.role !== null && identity.name !== null) {
      profile = { name: identity.name, color: identity.color }
      profileEditor.fix(identity.name, identity.role)
    } else {
      profile = { ...profile, color: identity.color }
    }
    updateProfile(connection, profile)
  })

  replaceChildren(root,
    h('header', { class: 'editor-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      group.element,
      title,
      role.element,
      status,
      presenceList(connection.provider.awareness),
      profileEditor.element,
      chatToggle,
      exportMenu(id),
      more),
    notice,
    h('div', { class: 'editor-layout' },
      h('main', { class: 'editor-main' }, toolbar, colours.legend, body),
      chat.element))
  closeMenusOnOutsideClick(root)

  window.addEventListener('beforeunload', (event) => {
    if (!connection.saves.allSaved) event.preventDefault()
  })
  if (!readOnly) view.focus()
}
