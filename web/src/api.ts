/** Calls to the server's JSON API under /api/v1. */
import { authorSecret } from './identity'

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
  // The sign-in travels in the session cookie, which no script can read.
  return { 'Content-Type': 'application/json', Accept: 'application/json' }
}

/** An answer that was not 2xx, with the server's message and the status. */
export class RequestError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

async function errorMessage (response: Response): Promise<string> {
  try {
    const body = await response.json() as { message?: string, error?: string }
    return body.message ?? body.error ?? response.statusText
  } catch {
    return `${response.status} ${response.statusText}`
  }
}

/**
 * Sends a request with the session cookie and a JSON body (if any); resolves to
 * the response when it is 2xx, else throws a RequestError with the server's message.
 */
export async function request (method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(path, {
    method,
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store'
  })
  if (!response.ok) throw new RequestError(response.status, await errorMessage(response))
  return response
}

/**
 * Creates a document and returns its id; with `group`, in that group (a
 * teacher's right). Throws an Error with the server's message.
 */
export async function createDocument (title: string, template: string, group?: string): Promise<CreatedDoc> {
  const body: Record<string, string> = {}
  if (title.trim() !== '') body.title = title.trim()
  if (template !== 'blank') body.template = template
  if (group !== undefined) body.group = group
  const response = await request('POST', '/api/v1/docs', body)
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

/** The download address of a document in one export format (the session cookie signs it in). */
export function exportUrl (id: string, ext: string): string {
  return `/api/v1/docs/${encodeURIComponent(id)}/export/${ext}`
}

/** Deletes a document (a teacher of its group, or the admin). */
export async function deleteDocument (id: string): Promise<void> {
  await request('DELETE', `/api/v1/docs/${encodeURIComponent(id)}`)
}

/** The file formats the server imports. */
export type ImportFormat = 'md' | 'txt' | 'html'

/** What an import changed. */
export interface ImportResult {
  revision: number
  /** What the schema could not hold and was kept as text, one entry per kind. */
  degraded: string[]
}

/**
 * Imports `text` in `format` into document `id`, replacing its body, as an
 * edit by this browser's author (or the token's member); with `starting`,
 * as the starting text of a document nobody has written in yet, which is
 * nobody's share (like a template's).
 */
export async function importDocument (id: string, format: ImportFormat, text: string, starting = false): Promise<ImportResult> {
  const params = new URLSearchParams({ format, mode: 'replace', author: authorSecret() })
  if (starting) params.set('starting', '1')
  const init: RequestInit = { method: 'POST', headers: { ...headers(), 'Content-Type': 'text/plain; charset=utf-8' }, body: text }
  const response = await fetch(`/api/v1/docs/${encodeURIComponent(id)}/import?${params.toString()}`, init)
  if (!response.ok) throw new RequestError(response.status, await errorMessage(response))
  const result = await response.json() as Partial<ImportResult>
  return {
    revision: typeof result.revision === 'number' ? result.revision : 0,
    degraded: Array.isArray(result.degraded) ? result.degraded.filter((d): d is string => typeof d === 'string') : []
  }
}
