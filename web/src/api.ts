/**
 * The server's HTTP API under /api/v1, the one layer every page calls it
 * through: one request function, one error, and the answers' types.
 */
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

/** An answer that was not 2xx, with the server's message and the status. */
export class ApiError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

/** The server's message in an error answer (`{error, message}`), else the status. */
async function errorMessage (response: Response): Promise<string> {
  try {
    const body = await response.json() as { message?: unknown, error?: unknown }
    if (typeof body.message === 'string') return body.message
    if (typeof body.error === 'string') return body.error
  } catch {}
  return `${response.status} ${response.statusText}`
}

/**
 * Sends a request with the session cookie and a JSON body (if any); resolves to
 * the response when it is 2xx, else throws an ApiError with the server's message.
 * The sign-in travels in the session cookie, which no script can read.
 */
export async function request (method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: 'no-store'
  })
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
  return response
}

async function get (path: string, signal?: AbortSignal): Promise<Response> {
  return await request('GET', path, undefined, signal)
}

/** The address of a document under the API. */
function base (id: string): string {
  return `/api/v1/docs/${encodeURIComponent(id)}`
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

/** Deletes a document (a teacher of its group, or the admin). */
export async function deleteDocument (id: string): Promise<void> {
  await request('DELETE', base(id))
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
  const init: RequestInit = { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'text/plain; charset=utf-8' }, body: text }
  const response = await fetch(`${base(id)}/import?${params.toString()}`, init)
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response))
  const result = await response.json() as Partial<ImportResult>
  return {
    revision: typeof result.revision === 'number' ? result.revision : 0,
    degraded: Array.isArray(result.degraded) ? result.degraded.filter((d): d is string => typeof d === 'string') : []
  }
}

/** Characters present per author in one top-level section. */
export interface SectionPresent {
  heading: string
  present: number
}

/** One author's numbers, as `GET /docs/{id}/contributions` reports them. */
export interface AuthorContribution {
  author_id: string
  name: string
  color: string
  /** Characters of the current body this author wrote (UTF-16 units). */
  present: number
  /** present / written: the share of what members wrote (starting text left out), 0..1. */
  share: number
  inserted: number
  deleted: number
  /** Work sessions (the same as `sessions`): runs of changes without a long pause. */
  edits: number
  sessions: number
  /** Changes stored from this author; a keystroke may be one. */
  revisions: number
  active_minutes: number
  /** Milliseconds since the epoch; 0 when the author never edited. */
  first_edit: number
  last_edit: number
  online: boolean
  sections: SectionPresent[]
}

/** Inserted and deleted characters of one author in one timeline bucket. */
export interface BucketCounts {
  inserted: number
  deleted: number
}

/** The whole contributions answer. */
export interface Contributions {
  id: string
  title: string
  revision: number
  /** Characters in the body, starting text included. */
  length: number
  /** Characters members wrote: the whole of their shares. */
  written: number
  /** Text the document started with (a template, an imported file): nobody's writing. */
  starting: { present: number, share: number }
  /** The longest pause within one work session, in ms. */
  session_pause_ms: number
  authors: AuthorContribution[]
  sections: Array<{ heading: string, authors: Record<string, number>, starting: number }>
  timeline: { bucket_ms: number, buckets: Array<{ start: number, authors: Record<string, BucketCounts> }> }
}

/** One revision: the log entry that produced it. */
export interface HistoryItem {
  rev: number
  ts: number
  author: string
  name: string
  color: string
  inserted: number
  deleted: number
}

/** One work session: a step of the history slider. */
export interface HistoryStep {
  /** Its last revision: the document as the session left it. */
  rev: number
  first_rev: number
  start: number
  ts: number
  author: string
  name: string
  color: string
  /** Starting text (a template, an imported file), nobody's writing. */
  starting: boolean
  revisions: number
  inserted: number
  deleted: number
}

/** `GET /docs/{id}/history?steps=sessions`. */
export interface HistorySteps {
  revisions: number
  session_pause_ms: number
  steps: HistoryStep[]
}

/** One page of `GET /docs/{id}/history`. */
export interface HistoryPage {
  revisions: number
  from: number
  items: HistoryItem[]
  next: number | null
}

/** The part of `GET /docs/{id}` the pages use. */
export interface DocInfo {
  id: string
  title: string
  revisions: number
  /** The group the document belongs to, if any. */
  group?: string | null
  /** What the caller may do: read (viewers), edit, or manage (teachers, the admin). */
  access?: 'read' | 'edit' | 'manage'
}

/**
 * A heading and a sentence for an answer that ends a page's polling: no such
 * document, a deleted one, or no access to it (`what` names the page's
 * content). Null for anything else, which is worth retrying.
 */
export function refusal (err: unknown, what: string): { title: string, message: string } | null {
  if (!(err instanceof ApiError)) return null
  switch (err.status) {
    case 404: return { title: 'Not found', message: 'There is no document at this address.' }
    case 410: return { title: 'Deleted', message: 'This document was deleted.' }
    case 401:
    case 403: return { title: 'No access', message: `You may not see ${what}: ${err.message}` }
    default: return null
  }
}

/** Contributions per author, with a timeline in buckets of `bucketSeconds`. */
export async function fetchContributions (id: string, bucketSeconds: number, signal?: AbortSignal): Promise<Contributions> {
  const response = await get(`${base(id)}/contributions?bucket=${bucketSeconds}`, signal)
  return await response.json() as Contributions
}

/** The document's metadata (title, number of revisions). */
export async function fetchDocInfo (id: string, signal?: AbortSignal): Promise<DocInfo> {
  const response = await get(base(id), signal)
  return await response.json() as DocInfo
}

/** Up to `limit` revisions starting at `from`, oldest first. */
export async function fetchHistoryPage (id: string, from: number, limit: number, signal?: AbortSignal): Promise<HistoryPage> {
  const response = await get(`${base(id)}/history?from=${from}&limit=${limit}`, signal)
  return await response.json() as HistoryPage
}

/** The whole history as work sessions, ordered by their last revision. */
export async function fetchHistorySteps (id: string, signal?: AbortSignal): Promise<HistorySteps> {
  const response = await get(`${base(id)}/history?steps=sessions`, signal)
  return await response.json() as HistorySteps
}

/**
 * The address of an export; with `rev`, of that revision; with `authorship`,
 * HTML coloured by author with a legend; `link` is kept for callers that
 * build an `<a href>` (the session cookie signs both in).
 */
export function exportAddress (id: string, ext: string, options: { rev?: number, authorship?: boolean, link?: boolean } = {}): string {
  const params = new URLSearchParams()
  if (options.rev !== undefined) params.set('rev', String(options.rev))
  if (options.authorship === true) params.set('authorship', '1')
  const query = params.toString()
  return `${base(id)}/export/${ext}${query === '' ? '' : `?${query}`}`
}

/** The author-coloured HTML export, now or at revision `rev`, as text. */
export async function fetchAuthoredHtml (id: string, rev?: number, signal?: AbortSignal): Promise<string> {
  const response = await get(exportAddress(id, 'html', { rev, authorship: true }), signal)
  return await response.text()
}

/** An author of some of the text, as `GET /docs/{id}/authorship` lists them. */
export interface TextAuthor {
  author_id: string
  name: string
  color: string
  /** Starting text (a template, an imported file), nobody's writing. */
  starting: boolean
}

/** A stretch of text by one author, as UTF-16 offsets into the text. */
export interface TextRun {
  start: number
  end: number
  /** Index into the authors; null for text of unknown origin. */
  author: number | null
}

/** `GET /docs/{id}/authorship`: who wrote each run of the body's text. */
export interface AuthoredText {
  authors: TextAuthor[]
  /** The text of the body's text nodes in document order. */
  text: string
  runs: TextRun[]
}

/** Who wrote each run of the document's text now, or at revision `rev`. */
export async function fetchAuthorship (id: string, rev?: number, signal?: AbortSignal): Promise<AuthoredText> {
  const query = rev === undefined ? '' : `?rev=${rev}`
  const response = await get(`${base(id)}/authorship${query}`, signal)
  return await response.json() as AuthoredText
}
