/**
 * The "Undo a member's changes" card of the history page: pick a member and
 * optionally a range of revisions, preview what of theirs would be removed
 * and what they deleted would come back, then apply it as one new edit.
 * A teacher's in a group; anyone's on an open document.
 */
import { request, type DocInfo } from '../api'
import { h, replaceChildren } from '../dom'
import { authorSecret, loadProfile } from '../identity'
import { formatCount } from '../insights/format'
import { renderRuns, type DiffRun } from './compare'

/** The answer of `POST /docs/{id}/revert`. */
export interface RevertAnswer {
  removed_chars: number
  restored_chars: number
  preview: DiffRun[]
  revision: number
  changed: boolean
}

interface Author { author_id: string, name: string }

/** The card, and a refresh with the document's metadata. */
export interface RevertPanel {
  element: HTMLElement
  refresh: (info: DocInfo) => Promise<void>
}

/** Builds the card for document `id`; `changed` hears the new revision. */
export function createRevertPanel (id: string, changed: (rev: number) => void): RevertPanel {
  const base = `/api/v1/docs/${encodeURIComponent(id)}`
  const member = h('select', { id: 'revert-author', 'aria-label': 'Member whose changes to undo' })
  const from = h('input', { type: 'number', id: 'revert-from', min: 0, step: 1, placeholder: 'start', 'aria-label': 'After revision' })
  const to = h('input', { type: 'number', id: 'revert-to', min: 0, step: 1, placeholder: 'newest', 'aria-label': 'Up to revision' })
  const preview = h('button', { type: 'button', 'data-testid': 'revert-preview' }, 'Preview')
  const apply = h('button', { type: 'button', class: 'danger', 'data-testid': 'revert-apply', disabled: true }, 'Undo their changes')
  const out = h('div', { 'data-testid': 'revert-result', 'aria-live': 'polite' })
  let listed = ''

  const body = (dryRun: boolean): Record<string, unknown> => {
    const answer: Record<string, unknown> = { author: member.value, dry_run: dryRun, by: authorSecret(), by_name: loadProfile().name }
    if (from.value !== '') answer.from_rev = Number(from.value)
    if (to.value !== '') answer.to_rev = Number(to.value)
    return answer
  }
  const nameOf = (): string => member.selectedOptions[0]?.textContent ?? 'this member'
  const fail = (err: unknown): void => {
    replaceChildren(out, h('p', { class: 'muted' }, `Could not undo: ${err instanceof Error ? err.message : String(err)}`))
  }
  for (const input of [member, from, to]) input.addEventListener('change', () => { apply.disabled = true })

  preview.addEventListener('click', () => {
    apply.disabled = true
    replaceChildren(out, h('p', { class: 'muted' }, 'Working out the preview…'))
    void request('POST', `${base}/revert`, body(true)).then(async (response) => {
      const answer = await response.json() as RevertAnswer
      const nothing = answer.removed_chars === 0 && answer.restored_chars === 0
      replaceChildren(out,
        h('p', { 'data-testid': 'revert-summary' }, nothing
          ? `Nothing to undo: the text would stay as it is.`
          : `Undoing ${nameOf()}'s changes removes ${formatCount(answer.removed_chars)} characters and brings back ${formatCount(answer.restored_chars)}.`),
        nothing ? null : renderRuns(answer.preview))
      apply.disabled = nothing
    }, fail)
  })
  apply.addEventListener('click', () => {
    apply.disabled = true
    void request('POST', `${base}/revert`, body(false)).then(async (response) => {
      const answer = await response.json() as RevertAnswer
      replaceChildren(out, h('p', { 'data-testid': 'revert-summary' }, answer.changed
        ? `Undone as revision ${answer.revision}: ${formatCount(answer.removed_chars)} characters removed, ${formatCount(answer.restored_chars)} brought back.`
        : 'Nothing changed.'))
      if (answer.changed) changed(answer.revision)
    }, fail)
  })

  const element = h('section', { class: 'card revert-card', 'aria-label': 'Undo a member\'s changes', hidden: true },
    h('div', { class: 'card-head' }, h('h2', {}, 'Undo a member\'s changes')),
    h('div', { class: 'revert-form' },
      h('label', { class: 'inline-field', for: 'revert-author' }, 'Member ', member),
      h('label', { class: 'inline-field', for: 'revert-from' }, 'after revision ', from),
      h('label', { class: 'inline-field', for: 'revert-to' }, 'up to ', to),
      preview, apply),
    out)

  return {
    element,
    refresh: async (info: DocInfo) => {
      const inGroup = info.group !== null && info.group !== undefined
      element.hidden = inGroup ? info.access !== 'manage' : info.access === 'read'
      if (element.hidden) return
      const answer = await (await request('GET', base)).json() as { authors?: Author[] }
      const authors = (answer.authors ?? []).filter((a) => a.author_id !== 'system' && a.author_id !== 'cli')
      const key = JSON.stringify(authors)
      if (key === listed) return
      listed = key
      const chosen = member.value
      replaceChildren(member, ...authors.map((a) => h('option', { value: a.author_id, selected: a.author_id === chosen }, a.name)))
    }
  }
}
