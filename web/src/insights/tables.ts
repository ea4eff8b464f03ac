/** The insights page's tables: one row per author, and present characters per section. */
import { h } from '../dom'
import type { AuthorContribution, Contributions } from '../api'
import { formatCount, formatShare, safeColor, swatch, timeElement } from './format'

/** Authors in display order: most present text first, then most inserted, then by name. */
export function sortAuthors (authors: readonly AuthorContribution[]): AuthorContribution[] {
  return [...authors].sort((a, b) =>
    b.present - a.present || b.inserted - a.inserted || a.name.localeCompare(b.name) || a.author_id.localeCompare(b.author_id))
}

/** The cell of an author: swatch, name and whether they are online. */
function authorCell (author: AuthorContribution): HTMLElement {
  return h('th', { scope: 'row', class: 'author-cell' },
    swatch(author.color),
    h('span', { class: 'author-name', 'data-col': 'name' }, author.name),
    author.online ? h('span', { class: 'online', title: 'Online now' }, h('span', { 'aria-hidden': 'true' }, '●'), h('span', { class: 'visually-hidden' }, ' (online)')) : null)
}

function numberCell (col: string, value: number, text = formatCount(value)): HTMLElement {
  return h('td', { class: 'num', 'data-col': col, 'data-value': value }, text)
}

const COLUMNS: Array<[string, string, string?]> = [
  ['Author', 'name'],
  ['Share', 'share', 'Share of the text the members wrote (starting text left out)'],
  ['Present', 'present', 'Characters of the current text this author wrote'],
  ['Inserted', 'inserted', 'Characters this author typed or pasted, over the whole history'],
  ['Deleted', 'deleted', 'Characters this author removed, their own or anyone else\'s'],
  ['Edits', 'edits', 'Work sessions: runs of changes with no pause longer than five minutes'],
  ['Active min', 'active_minutes', 'Minutes with at least one edit'],
  ['First edit', 'first_edit'],
  ['Last edit', 'last_edit']
]

/** The table of every author's numbers. */
export function authorsTable (authors: readonly AuthorContribution[]): HTMLElement {
  const rows = sortAuthors(authors).map((a) => h('tr', { 'data-author-id': a.author_id },
    authorCell(a),
    h('td', { class: 'num share', 'data-col': 'share', 'data-value': a.share },
      h('span', { class: 'share-bar', 'aria-hidden': 'true', style: `--share:${Math.min(1, Math.max(0, a.share))};--c:${safeColor(a.color)}` }),
      formatShare(a.share)),
    numberCell('present', a.present),
    numberCell('inserted', a.inserted),
    numberCell('deleted', a.deleted),
    h('td', { class: 'num', 'data-col': 'edits', 'data-value': a.edits, title: `${formatCount(a.revisions)} saved changes` }, formatCount(a.edits)),
    numberCell('active_minutes', a.active_minutes),
    h('td', { 'data-col': 'first_edit' }, timeElement(a.first_edit)),
    h('td', { 'data-col': 'last_edit' }, timeElement(a.last_edit))))
  return h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': 'authors-caption', tabindex: 0 },
    h('table', { class: 'data authors-table', 'data-testid': 'authors-table' },
      h('caption', { id: 'authors-caption' }, 'Contributions by author'),
      h('thead', {}, h('tr', {}, ...COLUMNS.map(([label, col, hint]) =>
        h('th', { scope: 'col', 'data-col': col, title: hint, class: col === 'name' || col.endsWith('_edit') ? '' : 'num' }, label)))),
      h('tbody', {}, ...(rows.length > 0
        ? rows
        : [h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted' }, 'Nobody has written anything yet.'))]))))
}

/** A stacked bar of a section's present characters by author, hidden from screen readers. */
function sectionBar (counts: Record<string, number>, authors: readonly AuthorContribution[]): HTMLElement {
  const total = Object.values(counts).reduce((s, n) => s + n, 0)
  const bar = h('span', { class: 'section-bar', 'aria-hidden': 'true' })
  if (total === 0) return bar
  for (const a of authors) {
    const n = counts[a.author_id] ?? 0
    if (n === 0) continue
    const part = h('span', {})
    part.style.width = `${(n / total) * 100}%`
    part.style.background = safeColor(a.color)
    bar.appendChild(part)
  }
  return bar
}

/** Characters present per top-level section (by heading) and author. */
export function sectionsTable (data: Contributions): HTMLElement {
  const authors = sortAuthors(data.authors).filter((a) => a.present > 0)
  const starting = data.starting.present > 0
  if (data.sections.length === 0 || (authors.length === 0 && !starting)) {
    return h('p', { class: 'muted', 'data-testid': 'sections-table' }, 'The document has no text yet.')
  }
  return h('div', { class: 'table-scroll', role: 'region', 'aria-labelledby': 'sections-caption', tabindex: 0 },
    h('table', { class: 'data sections-table', 'data-testid': 'sections-table' },
      h('caption', { id: 'sections-caption' }, 'Characters present per section'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Section'),
        ...authors.map((a) => h('th', { scope: 'col', class: 'num', 'data-author-id': a.author_id }, swatch(a.color), a.name)),
        starting ? h('th', { scope: 'col', class: 'num starting', 'data-col': 'starting' }, 'Starting text') : null,
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Mix')))),
      h('tbody', {}, ...data.sections.map((section, i) => h('tr', {},
        h('th', { scope: 'row', class: section.heading === '' ? 'muted' : '' },
          section.heading === '' ? (i === 0 ? 'Before the first heading' : 'Untitled heading') : section.heading),
        ...authors.map((a) => {
          const n = section.authors[a.author_id] ?? 0
          return h('td', { class: n === 0 ? 'num zero' : 'num', 'data-author-id': a.author_id }, formatCount(n))
        }),
        starting ? h('td', { class: section.starting === 0 ? 'num zero starting' : 'num starting', 'data-col': 'starting' }, formatCount(section.starting)) : null,
        h('td', { class: 'bar-cell' }, sectionBar(section.authors, authors)))))))
}
