/**
 * The read-only calls behind the insights and history pages: contributions
 * per author, the revision history, document metadata and the
 * author-coloured HTML export.
 */

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

/** An API answer that was not 2xx. */
export class ApiError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
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

function base (id: string): string {
  return `/api/v1/docs/${encodeURIComponent(id)}`
}

async function get (path: string, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(path, { signal, cache: 'no-store' })
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`
    try {
      const body = await response.json() as { message?: string }
      if (typeof body.message === 'string') message = body.message
    } catch {}
    throw new ApiError(response.status, message)
  }
  return response
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
