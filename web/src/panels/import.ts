/**
 * Import on the home page and a group's page: a file picker and a drop area
 * for Markdown, plain text and HTML files. Each file becomes a new document
 * titled after it (in the group, on a group's page); what the schema could
 * not hold is listed before the document opens.
 */
import { createDocument, importDocument, type ImportFormat } from '../api'
import { h, replaceChildren } from '../dom'

/** The server takes request bodies up to 8 MiB. */
const MAX_BYTES = 8 << 20

/** The import format of a file, from its extension, else its type; null if unsupported. */
export function importFormatOf (name: string, type = ''): ImportFormat | null {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1].toLowerCase()
  if (ext === 'md' || ext === 'markdown') return 'md'
  if (ext === 'txt' || ext === 'text') return 'txt'
  if (ext === 'html' || ext === 'htm') return 'html'
  if (type === 'text/markdown') return 'md'
  if (type === 'text/plain') return 'txt'
  if (type === 'text/html') return 'html'
  return null
}

/** A document title from a file name: without its extension, at most 200 characters. */
export function titleFromFileName (name: string): string {
  const base = name.replace(/\.[A-Za-z0-9]+$/, '').trim()
  return (base === '' ? name : base).slice(0, 200)
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The import card; with `group`, each file becomes a document of that group. */
export function importCard (group?: string): HTMLElement {
  const input = h('input', {
    id: 'import-file',
    type: 'file',
    class: 'visually-hidden',
    accept: '.md,.markdown,.txt,.text,.html,.htm,text/markdown,text/plain,text/html'
  })
  const zone = h('label', { for: 'import-file', class: 'drop-zone', 'data-testid': 'drop-zone' },
    h('strong', {}, 'Choose a file'), ' or drop it here',
    h('span', { class: 'muted' }, 'Markdown (.md), text (.txt) or HTML (.html)'))
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' })
  const error = h('p', { class: 'error', role: 'alert' })
  const report = h('div', { class: 'import-report' })
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'import-heading' },
    h('h2', { id: 'import-heading' }, group === undefined ? 'Import a file' : 'Import a file into this group'),
    input, zone, status, error, report)

  let busy = false
  const start = (file: File): void => {
    if (busy) return
    error.textContent = ''
    replaceChildren(report)
    const format = importFormatOf(file.name, file.type)
    if (format === null) {
      error.textContent = `${file.name} is not a Markdown, text or HTML file.`
      return
    }
    if (file.size > MAX_BYTES) {
      error.textContent = `${file.name} is larger than 8 MiB.`
      return
    }
    busy = true
    zone.classList.add('busy')
    status.textContent = `Importing ${file.name}…`
    void importFile(file, format, group).then((result) => {
      const path = `/d/${encodeURIComponent(result.id)}`
      if (result.degraded.length === 0) {
        status.textContent = `Imported ${file.name}. Opening it…`
        window.location.assign(path)
        return
      }
      status.textContent = `Imported ${file.name}. Some parts were kept as plain text:`
      const open = h('a', { href: path, class: 'button primary' }, 'Open the document')
      replaceChildren(report,
        h('ul', { class: 'degraded', 'aria-label': 'Kept as plain text' }, ...result.degraded.map((d) => h('li', {}, d))),
        open)
      open.focus()
    }, (err: unknown) => {
      status.textContent = ''
      error.textContent = `Could not import ${file.name}: ${messageOf(err)}`
    }).finally(() => {
      busy = false
      zone.classList.remove('busy')
      input.value = ''
    })
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0]
    if (file !== undefined) start(file)
  })
  zone.addEventListener('dragover', (event) => {
    event.preventDefault()
    if (event.dataTransfer !== null) event.dataTransfer.dropEffect = 'copy'
    zone.classList.add('dragging')
  })
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'))
  zone.addEventListener('drop', (event) => {
    event.preventDefault()
    zone.classList.remove('dragging')
    const file = event.dataTransfer?.files[0]
    if (file !== undefined) start(file)
  })
  return card
}

/** Creates a document titled after `file` (in `group`, if given) and imports the file into it. */
async function importFile (file: File, format: ImportFormat, group?: string): Promise<{ id: string, degraded: string[] }> {
  const text = await file.text()
  const doc = await createDocument(titleFromFileName(file.name), 'blank', group)
  try {
    // The file is the new document's starting text: nobody's share, as a template's.
    const result = await importDocument(doc.id, format, text, true)
    return { id: doc.id, degraded: result.degraded }
  } catch (err) {
    throw new Error(`the document was created (/d/${doc.id}) but the import failed: ${messageOf(err)}`)
  }
}
