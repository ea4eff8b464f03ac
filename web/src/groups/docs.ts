/** The group page's documents: the list, create for its writers, delete for its teachers. */
import { createDocument, deleteDocument, TEMPLATES } from '../api'
import { h, replaceChildren } from '../dom'
import { timeElement } from '../insights/format'
import { forgetDoc } from '../recent'
import type { GroupDoc } from './api'

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function titleOf (doc: GroupDoc): string {
  return doc.title.trim() === '' ? 'Untitled' : doc.title
}

/**
 * The list of the group's documents, each a link to its editor; with
 * `manage`, each has a delete button that asks for confirmation first;
 * `write` says whether the reader may create documents below.
 */
export function docsSection (docs: GroupDoc[], manage: boolean, write = manage): HTMLElement {
  const list = h('ul', { class: 'group-docs', 'aria-labelledby': 'docs-heading' })
  const empty = h('p', { class: 'muted' }, write
    ? 'No documents yet. Create the first one below.'
    : 'No documents yet. Your teacher will add them.')
  const error = h('p', { class: 'error', role: 'alert' })
  const section = h('section', { class: 'card', 'aria-labelledby': 'docs-heading' },
    h('h2', { id: 'docs-heading' }, 'Documents'), list, empty, error)

  const remove = (doc: GroupDoc, item: HTMLElement, button: HTMLButtonElement): void => {
    if (!window.confirm(`Delete “${titleOf(doc)}” for everyone in the group? This cannot be undone.`)) return
    button.disabled = true
    error.textContent = ''
    deleteDocument(doc.id).then(() => {
      forgetDoc(doc.id)
      item.remove()
      empty.hidden = list.childElementCount > 0
    }, (err: unknown) => {
      error.textContent = `Could not delete “${titleOf(doc)}”: ${messageOf(err)}`
      button.disabled = false
    })
  }

  replaceChildren(list, ...docs.map((doc) => {
    const item = h('li', { 'data-doc': doc.id },
      h('a', { href: `/d/${encodeURIComponent(doc.id)}` }, titleOf(doc)),
      h('span', { class: 'muted doc-updated' }, 'updated ', timeElement(doc.updated)))
    if (manage) {
      const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${titleOf(doc)}` }, 'Delete')
      button.addEventListener('click', () => remove(doc, item, button))
      item.appendChild(button)
    }
    return item
  }))
  empty.hidden = docs.length > 0
  return section
}

/** The form that creates a document in `group` and opens it (teachers and editors). */
export function createDocForm (group: string): HTMLElement {
  const title = h('input', { id: 'group-new-title', type: 'text', maxlength: 200, placeholder: 'Untitled document', autocomplete: 'off' })
  const template = h('select', { id: 'group-new-template' },
    ...TEMPLATES.map((t) => h('option', { value: t.value }, t.label)))
  const button = h('button', { type: 'submit', class: 'primary', 'aria-label': 'Create document in this group' }, 'Create document')
  const error = h('p', { class: 'error', role: 'alert' })
  const form = h('form', { class: 'card stack', 'aria-labelledby': 'group-create-heading' },
    h('h2', { id: 'group-create-heading' }, 'New document in this group'),
    h('label', { for: 'group-new-title' }, 'Title'), title,
    h('label', { for: 'group-new-template' }, 'Template'), template,
    button, error)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    button.disabled = true
    error.textContent = ''
    createDocument(title.value, template.value, group).then((doc) => {
      window.location.assign(`/d/${encodeURIComponent(doc.id)}`)
    }, (err: unknown) => {
      error.textContent = `Could not create the document: ${messageOf(err)}`
      button.disabled = false
    })
  })
  return form
}
