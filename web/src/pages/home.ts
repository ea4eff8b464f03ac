/** The home page: create or import a document, reopen a recent one, open one by link. */
import { createDocument, DOC_ID, TEMPLATES } from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { tokenClaims } from '../identity'
import { importCard } from '../panels/import'
import { forgetDoc, recentDocs } from '../recent'

/** The path of a document's editor. */
export function docPath (id: string): string {
  return `/d/${encodeURIComponent(id)}`
}

/** Extracts a document id from a pasted link (`.../d/{id}...`) or a bare id. */
export function parseDocRef (input: string): string | null {
  const text = input.trim()
  if (DOC_ID.test(text)) return text
  const match = /\/d\/([A-Za-z0-9_-]{1,64})(?:[/?#]|$)/.exec(text)
  return match === null ? null : match[1]
}

function createForm (): HTMLElement {
  const title = h('input', { id: 'new-title', name: 'title', type: 'text', maxlength: 200, placeholder: 'Untitled document', autocomplete: 'off' })
  const template = h('select', { id: 'new-template', name: 'template' },
    ...TEMPLATES.map((t) => h('option', { value: t.value }, t.label)))
  const error = h('p', { class: 'error', role: 'alert' })
  const button = h('button', { type: 'submit', class: 'primary', 'aria-label': 'Create document' }, 'Create')
  const form = h('form', { class: 'card', 'aria-labelledby': 'create-heading' },
    h('h2', { id: 'create-heading' }, 'New document'),
    h('label', { for: 'new-title' }, 'Title'), title,
    h('label', { for: 'new-template' }, 'Template'), template,
    button, error)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    button.disabled = true
    error.textContent = ''
    createDocument(title.value, template.value).then((doc) => {
      window.location.assign(docPath(doc.id))
    }, (err: unknown) => {
      error.textContent = `Could not create the document: ${err instanceof Error ? err.message : String(err)}`
      button.disabled = false
    })
  })
  return form
}

function openForm (): HTMLElement {
  const ref = h('input', { id: 'open-ref', name: 'ref', type: 'text', placeholder: 'Link or document id', autocomplete: 'off' })
  const error = h('p', { class: 'error', role: 'alert' })
  const form = h('form', { class: 'card', 'aria-labelledby': 'open-heading' },
    h('h2', { id: 'open-heading' }, 'Open a document'),
    h('label', { for: 'open-ref' }, 'Link or id'), ref,
    h('button', { type: 'submit', 'aria-label': 'Open document' }, 'Open'), error)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const id = parseDocRef(ref.value)
    if (id === null) {
      error.textContent = 'That is neither a document link nor an id.'
    } else {
      window.location.assign(docPath(id))
    }
  })
  return form
}

function recentList (): HTMLElement {
  const section = h('section', { class: 'card', 'aria-labelledby': 'recent-heading' })
  const render = (): void => {
    const docs = recentDocs()
    replaceChildren(section, h('h2', { id: 'recent-heading' }, 'Recent documents'),
      docs.length === 0
        ? h('p', { class: 'muted' }, 'Documents you open appear here.')
        : h('ul', { class: 'recent' }, ...docs.map((doc) => h('li', {},
          h('a', { href: docPath(doc.id) }, doc.title === '' ? 'Untitled' : doc.title),
          h('time', { datetime: new Date(doc.opened).toISOString(), class: 'muted' },
            new Date(doc.opened).toLocaleDateString()),
          h('button', {
            type: 'button',
            class: 'icon',
            'aria-label': `Remove ${doc.title === '' ? 'Untitled' : doc.title} from recent documents`,
            title: 'Remove from this list',
            onclick: () => { forgetDoc(doc.id); render() }
          }, '×')))))
  }
  render()
  return section
}

/** A link to the group this browser is signed in to, if any. */
function groupShortcut (): HTMLElement | null {
  const claims = tokenClaims()
  if (claims === null) return null
  return h('p', {}, h('a', { href: `/g/${encodeURIComponent(claims.group)}` }, 'Your group\'s documents'))
}

/** Renders the home page into the app root. */
export function renderHome (): void {
  document.title = 'Quire'
  const root = pageRoot('page-home')
  replaceChildren(root,
    h('header', { class: 'home-header' },
      h('h1', {}, 'Quire'),
      h('p', { class: 'muted' }, 'Write together, live.'),
      groupShortcut()),
    h('main', { class: 'home-grid' }, createForm(), importCard(), openForm(), recentList()))
}
