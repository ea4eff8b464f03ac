/**
 * The review part of the history page: restore the revision shown, name a
 * version, the list of named versions (who named each and when; view,
 * export, restore, delete), and the hand-in: a teacher's deadline, and
 * handing in early. Everything goes through the REST API, as an edit or a
 * record by the signed-in member (or, in open mode, this browser's author).
 */
import { EXPORT_FORMATS, exportAddress, request, type DocInfo } from '../api'
import { h, replaceChildren } from '../dom'
import { authorSecret, loadProfile } from '../identity'
import { timeElement } from '../insights/format'

/** A named version as the server lists it. */
export interface Version {
  version: number
  name: string
  rev: number
  created: number
  author: string
  name_of_author: string
  handin: boolean
}

/** A document's hand-in deadline. */
export interface Handin {
  due: string
  due_ms: number
  recorded: number | null
}

/** The answer of `GET /docs/{id}/versions`. */
export interface VersionList {
  versions: Version[]
  handin: Handin | null
}

function base (id: string): string {
  return `/api/v1/docs/${encodeURIComponent(id)}`
}

/** Who acts, for open documents; a member's session cookie outranks it. */
function actor (): { author: string, author_name: string } {
  return { author: authorSecret(), author_name: loadProfile().name }
}

/** The named versions and the deadline. */
export async function fetchVersions (id: string): Promise<VersionList> {
  const response = await request('GET', `${base(id)}/versions`)
  return await response.json() as VersionList
}

/** Names the current state; resolves to the new version. */
export async function nameVersion (id: string, name: string): Promise<Version> {
  const response = await request('POST', `${base(id)}/versions`, { name, ...actor() })
  return await response.json() as Version
}

/** Restores a revision or a version as one new edit; resolves to the new revision. */
export async function restore (id: string, what: { rev: number } | { version: number }): Promise<{ revision: number, changed: boolean }> {
  const response = await request('POST', `${base(id)}/restore`, { ...what, ...actor() })
  return await response.json() as { revision: number, changed: boolean }
}

/** The address of a version's export in `ext`. */
export function versionExport (id: string, ext: string, version: number): string {
  return `${exportAddress(id, ext)}?version=${version}`
}

/** A `datetime-local` value as RFC 3339 in this browser's time zone. */
export function localToRfc3339 (value: string): string | null {
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? null : at.toISOString()
}

/** What the page tells the panel, and what the panel asks of the page. */
export interface ReviewHooks {
  /** The revision shown now (0 before any). */
  shown: () => number
  /** Shows revision `rev` on the page. */
  view: (rev: number) => void
  /** The body changed (a restore): the page picks up the new revision. */
  changed: (rev: number) => void
  /** Compares a version's revision with the newest. */
  compareWithNow: (rev: number) => void
}

/** The panel. */
export interface ReviewPanel {
  /** The restore button and its message, for the revision card. */
  restoreBar: HTMLElement
  /** The versions card. */
  element: HTMLElement
  /** Called with the document's metadata on every poll. */
  refresh: (info: DocInfo) => Promise<void>
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Builds the review panel of document `id`. */
export function createReviewPanel (id: string, hooks: ReviewHooks): ReviewPanel {
  let info: DocInfo | null = null
  let listed = ''
  const status = h('p', { class: 'muted review-status', role: 'status', 'data-testid': 'review-status' })
  const say = (text: string): void => { status.textContent = text }

  const restoreButton = h('button', { type: 'button', 'data-testid': 'restore' }, 'Restore this revision')
  const restoreMessage = h('span', { class: 'muted', role: 'status', 'data-testid': 'restore-message' })
  const restoreBar = h('p', { class: 'restore-bar', hidden: true }, restoreButton, restoreMessage)

  const nameInput = h('input', { type: 'text', id: 'version-name', maxlength: 100, placeholder: 'Draft 1', 'aria-label': 'Name of the version', required: true })
  const nameForm = h('form', { class: 'name-version', hidden: true }, nameInput,
    h('button', { type: 'submit', 'data-testid': 'name-version' }, 'Name this version'))

  const due = h('input', { type: 'datetime-local', id: 'handin-due', 'aria-label': 'Hand-in deadline' })
  const deadlineForm = h('form', { class: 'deadline', hidden: true },
    h('label', { class: 'inline-field', for: 'handin-due' }, 'Hand-in deadline ', due),
    h('button', { type: 'submit', 'data-testid': 'set-deadline' }, 'Set deadline'))
  const handInButton = h('button', { type: 'button', 'data-testid': 'hand-in', hidden: true }, 'Hand in now')
  const deadline = h('p', { class: 'muted', 'data-testid': 'deadline' })

  const list = h('div', { class: 'table-scroll', 'data-testid': 'versions' })

  const mayEdit = (): boolean => info?.access !== 'read'
  const mayManage = (): boolean => info?.access === 'manage'

  const doRestore = async (what: { rev: number } | { version: number }, label: string): Promise<void> => {
    restoreButton.disabled = true
    try {
      const answer = await restore(id, what)
      const text = answer.changed
        ? `Restored ${label} as revision ${answer.revision}.`
        : `The text is already that of ${label}.`
      restoreMessage.textContent = text
      say(text)
      if (answer.changed) hooks.changed(answer.revision)
    } catch (err) {
      restoreMessage.textContent = `Could not restore: ${errorText(err)}`
      say(restoreMessage.textContent)
    } finally {
      restoreButton.disabled = false
    }
  }
  restoreButton.addEventListener('click', () => {
    const rev = hooks.shown()
    if (rev > 0) void doRestore({ rev }, `revision ${rev}`)
  })

  const renderList = (versions: Version[]): void => {
    if (versions.length === 0) {
      replaceChildren(list, h('p', { class: 'muted' }, 'No named versions yet.'))
      return
    }
    const rows = [...versions].reverse().map((v) => {
      const actions = h('td', { class: 'version-actions' },
        h('button', { type: 'button', class: 'link', onclick: () => hooks.view(v.rev), 'aria-label': `View ${v.name}` }, 'View'),
        h('button', { type: 'button', class: 'link', 'data-testid': 'compare-version', onclick: () => hooks.compareWithNow(v.rev), 'aria-label': `Compare ${v.name} with now` }, 'Compare'),
        mayEdit() ? h('button', { type: 'button', class: 'link', 'data-testid': 'restore-version', onclick: () => { void doRestore({ version: v.version }, `“${v.name}”`) }, 'aria-label': `Restore ${v.name}` }, 'Restore') : null,
        h('span', { class: 'version-exports' }, ...EXPORT_FORMATS.map((f) =>
          h('a', { href: versionExport(id, f.ext, v.version), download: true, 'aria-label': `Export ${v.name} as ${f.label}` }, f.ext.toUpperCase()))),
        mayEdit() && (!v.handin || mayManage())
          ? h('button', {
            type: 'button',
            class: 'link danger',
            'aria-label': `Delete ${v.name}`,
            onclick: () => {
              void request('DELETE', `${base(id)}/versions/${v.version}`).then(async () => {
                say(`Deleted “${v.name}”.`)
                await reload()
              }, (err: unknown) => say(`Could not delete: ${errorText(err)}`))
            }
          }, 'Delete')
          : null)
      return h('tr', { 'data-version': v.version },
        h('td', { class: 'version-name' }, v.handin ? h('span', { class: 'handin-badge', title: 'A hand-in: only a teacher deletes it' }, 'Hand-in') : null, v.name),
        h('td', { class: 'num' }, String(v.rev)),
        h('td', {}, v.name_of_author),
        h('td', {}, timeElement(v.created)),
        actions)
    })
    replaceChildren(list, h('table', { class: 'data versions-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col', class: 'num' }, 'Revision'),
        h('th', { scope: 'col' }, 'Named by'), h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, ''))),
      h('tbody', {}, ...rows)))
  }

  const renderDeadline = (handin: Handin | null): void => {
    if (handin === null) {
      deadline.textContent = info?.group === null || info?.group === undefined ? '' : 'No hand-in deadline.'
      return
    }
    const when = new Date(handin.due_ms).toLocaleString()
    deadline.textContent = handin.recorded === null
      ? `Hand-in deadline: ${when}. A version is recorded then.`
      : `Handed in at the deadline (${when}).`
  }

  const reload = async (): Promise<void> => {
    const answer = await fetchVersions(id)
    const key = JSON.stringify(answer) + String(info?.access)
    if (key === listed) return
    listed = key
    renderList(answer.versions)
    renderDeadline(answer.handin)
  }

  nameForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const name = nameInput.value.trim()
    if (name === '') return
    void nameVersion(id, name).then(async (v) => {
      nameInput.value = ''
      say(`Named revision ${v.rev} “${v.name}”.`)
      await reload()
    }, (err: unknown) => say(`Could not name the version: ${errorText(err)}`))
  })
  deadlineForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const at = localToRfc3339(due.value)
    if (at === null) { say('Choose a date and time for the deadline.'); return }
    void request('PUT', `${base(id)}/handin`, { due: at }).then(async () => {
      say('Deadline set.')
      await reload()
    }, (err: unknown) => say(`Could not set the deadline: ${errorText(err)}`))
  })
  handInButton.addEventListener('click', () => {
    void request('POST', `${base(id)}/handin`, actor()).then(async () => {
      say('Handed in: the current text is recorded as a version.')
      await reload()
    }, (err: unknown) => say(`Could not hand in: ${errorText(err)}`))
  })

  const element = h('section', { class: 'card versions-card', 'aria-label': 'Versions' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Versions'), nameForm),
    list, deadline, h('div', { class: 'handin-row' }, deadlineForm, handInButton), status)

  return {
    restoreBar,
    element,
    refresh: async (next: DocInfo) => {
      info = next
      const inGroup = next.group !== null && next.group !== undefined
      restoreBar.hidden = !mayEdit()
      nameForm.hidden = !mayEdit()
      deadlineForm.hidden = !(inGroup && mayManage())
      handInButton.hidden = !(inGroup && mayEdit())
      try {
        await reload()
      } catch (err) {
        say(`Could not load the versions: ${errorText(err)}`)
      }
    }
  }
}
