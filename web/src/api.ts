/** Calls to the server's JSON API under /api/v1. */
import { storedToken } from './identity'

/** Document templates offered on the home page; `blank` sends none. */
export const TEMPLATES: ReadonlyArray<{ value: string, label: string }> = [
  { value: 'blank', label: 'Blank' },
  { value: 'meeting-notes', label: 'Meeting notes' },
  { value: 'project-report', label: 'Project report' },
  { value: 'group-charter', label: 'Group charter' }
]

/** What the server says about a document it created. */
export interface CreatedDoc {
  id: string
  title?: string
}

/** Document ids as the server accepts them. */
export const DOC_ID = /^[A-Za-z0-9_-]{1,64}$/

function headers (): Record<string, string> {
  const result: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' }
  const token = storedToken()
  if (token !== null) result.Authorization = `Bearer ${token}`
  return result
}

async function errorMessage (response: Response): Promise<string> {
  try {
    const body = await response.json() as { message?: string, error?: string }
    return body.message ?? body.error ?? response.statusText
  } catch {
    return `${response.status} ${response.statusText}`
  }
}

/** Creates a document and returns its id; throws an Error with the server's message. */
export async function createDocument (title: string, template: string): Promise<CreatedDoc> {
  const body: Record<string, string> = {}
  if (title.trim() !== '') body.title = title.trim()
  if (template !== 'blank') body.template = template
  const response = await fetch('/api/v1/docs', { method: 'POST', headers: headers(), body: JSON.stringify(body) })
  if (!response.ok) throw new Error(await errorMessage(response))
  const created = await response.json() as CreatedDoc
  if (typeof created.id !== 'string' || !DOC_ID.test(created.id)) {
    throw new Error('the server answered without a document id')
  }
  return created
}

/** The export formats the server offers, with labels for the menu. */
export const EXPORT_FORMATS: ReadonlyArray<{ ext: string, label: string }> = [
  { ext: 'md', label: 'Markdown' },
  { ext: 'html', label: 'HTML' },
  { ext: 'txt', label: 'Plain text' },
  { ext: 'json', label: 'ProseMirror JSON' },
  { ext: 'docx', label: 'Word (DOCX)' },
  { ext: 'pdf', label: 'PDF' }
]

/** The download address of a document in one export format. */
export function exportUrl (id: string, ext: string): string {
  return `/api/v1/docs/${encodeURIComponent(id)}/export/${ext}`
}
