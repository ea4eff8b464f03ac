/** The documents this browser opened lately, newest first. */
import { loadJson, store } from './storage'

const RECENT_KEY = 'quire.recent'
const MAX_RECENT = 20

/** One remembered document. */
export interface RecentDoc {
  id: string
  title: string
  opened: number
}

/** The remembered documents, newest first. */
export function recentDocs (): RecentDoc[] {
  const list = loadJson<unknown>(RECENT_KEY, [])
  if (!Array.isArray(list)) return []
  return list.filter((d): d is RecentDoc =>
    typeof d === 'object' && d !== null && typeof d.id === 'string' &&
    typeof d.title === 'string' && typeof d.opened === 'number')
}

/** Moves a document to the top of the list, updating its title. */
export function rememberDoc (id: string, title: string): void {
  const others = recentDocs().filter((d) => d.id !== id)
  const list = [{ id, title, opened: Date.now() }, ...others].slice(0, MAX_RECENT)
  store(RECENT_KEY, JSON.stringify(list))
}

/** Forgets one document. */
export function forgetDoc (id: string): void {
  store(RECENT_KEY, JSON.stringify(recentDocs().filter((d) => d.id !== id)))
}
