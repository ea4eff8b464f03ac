/**
 * The revision log of one document, fetched page by page from the history API
 * as revisions are asked for, and cached.
 */
import { fetchHistoryPage, type HistoryItem } from '../api'

/** Revisions per request. */
export const PAGE_SIZE = 200

/** The first revision of the page that holds `rev`. */
export function pageStart (rev: number, size = PAGE_SIZE): number {
  return Math.floor((Math.max(1, rev) - 1) / size) * size + 1
}

/** A cache of history pages, fetched on demand. */
export class RevisionLog {
  private readonly pages = new Map<number, Promise<Map<number, HistoryItem>>>()

  constructor (private readonly id: string, private readonly size = PAGE_SIZE) {}

  private load (start: number): Promise<Map<number, HistoryItem>> {
    const page = fetchHistoryPage(this.id, start, this.size).then((answer) =>
      new Map(answer.items.map((item) => [item.rev, item])))
    // A failed request is not cached, so the next call tries again.
    page.catch(() => this.pages.delete(start))
    this.pages.set(start, page)
    return page
  }

  /** The log entry that made revision `rev`, or undefined if there is none (yet). */
  async item (rev: number): Promise<HistoryItem | undefined> {
    const start = pageStart(rev, this.size)
    const cached = this.pages.get(start)
    let items = await (cached ?? this.load(start))
    // The newest page was fetched when it was shorter: fetch it again.
    if (!items.has(rev) && cached !== undefined && items.size < this.size) items = await this.load(start)
    return items.get(rev)
  }
}
