// Ground truth for the contributions tests, computed on the client side: each
// author writes only their own letters (Alice a-m, Bob n-z, Carol capitals and
// 😀), so the author of every character in a document is known from the
// character itself. Counts are JS string lengths (UTF-16 units). Also the
// editing helpers the contributions tests share.
import assert from 'node:assert/strict'
import { Y, converged, waitFor, sleep } from './lib.mjs'

/** The author of a character (a code point). */
export function ownerOf (ch) {
  if (/^[a-m]$/.test(ch)) return 'Alice'
  if (/^[n-z]$/.test(ch)) return 'Bob'
  if (/^[A-Z]$/.test(ch) || ch === '😀') return 'Carol'
  throw new Error(`no author writes ${JSON.stringify(ch)}`)
}

/** Characters inserted and deleted per author, as the test did them. */
export class Truth {
  constructor () { this.authors = new Map() }
  of (name) {
    if (!this.authors.has(name)) this.authors.set(name, { inserted: 0, deleted: 0 })
    return this.authors.get(name)
  }

  inserted (name, units) { this.of(name).inserted += units }
  deleted (name, units) { this.of(name).deleted += units }

  /** Characters present per author in `fragment`, from the letters. */
  present (fragment) {
    const out = new Map()
    for (const ch of blocksText(fragment).replace(/\n/g, '')) {
      const name = ownerOf(ch)
      out.set(name, (out.get(name) ?? 0) + ch.length)
    }
    return out
  }
}

/** The text of an XML node (element or text), without markup. */
export function textOf (node) {
  if (node instanceof Y.XmlText) return node.toDelta().map((d) => typeof d.insert === 'string' ? d.insert : '').join('')
  return node.toArray().map(textOf).join('')
}

/** The top-level blocks' texts joined by blank lines, as the plain-text export writes paragraphs and headings. */
export function blocksText (fragment) {
  return fragment.toArray().map(textOf).join('\n\n')
}

/**
 * Top-level sections: a section starts at each heading; text before the first
 * heading is in a section with an empty heading. Per section, characters by author.
 */
export function sectionsOf (fragment) {
  const sections = []
  for (const node of fragment.toArray()) {
    if (node instanceof Y.XmlElement && node.nodeName === 'heading') {
      sections.push({ heading: textOf(node), authors: new Map() })
    } else if (sections.length === 0) {
      sections.push({ heading: '', authors: new Map() })
    }
    const section = sections[sections.length - 1]
    for (const ch of textOf(node)) {
      const name = ownerOf(ch)
      section.authors.set(name, (section.authors.get(name) ?? 0) + ch.length)
    }
  }
  return sections
}

/** Characters present per Yjs client id, from the document's items. */
export function presentByClient (fragment) {
  const out = new Map()
  const walk = (node) => {
    if (node instanceof Y.XmlText) {
      for (let item = node._start; item !== null; item = item.right) {
        if (!item.deleted && item.content instanceof Y.ContentString) {
          out.set(item.id.client, (out.get(item.id.client) ?? 0) + item.content.str.length)
        }
      }
    } else {
      node.toArray().forEach(walk)
    }
  }
  walk(fragment)
  return out
}

/**
 * A copy of ProseMirror JSON with `marks` sorted, empty `content` left out
 * and object keys in order, so equal documents compare equal.
 */
export function normalize (json) {
  if (Array.isArray(json)) return json.map(normalize)
  if (json === null || typeof json !== 'object') return json
  const out = {}
  for (const [key, value] of Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // An empty `content` and none mean the same node.
    if (key === 'content' && Array.isArray(value) && value.length === 0) continue
    out[key] = key === 'marks' && Array.isArray(value)
      ? normalize(value).sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
      : normalize(value)
  }
  return out
}

/** Waits until the online clients agree and every frame they sent is acknowledged as durable. */
export async function settle (online) {
  await converged(online)
  await waitFor(() => online.every((c) => {
    const s = c.socket
    return s !== undefined && s.readyState === 1 && c.provider.synced && s.saved >= s.updatesSent
  }), { message: () => online.map((c) => `${c.name}: saved ${c.socket?.saved} of ${c.socket?.updatesSent}`).join(', ') })
}

/** The XmlText of top-level block `index`. */
export const textAt = (c, index) => c.fragment.get(index).get(0)

/** Appends a block `tag` (with `attrs`) holding `text`, in one update. */
export function appendBlock (c, tag, text, attrs = {}) {
  const el = new Y.XmlElement(tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v)
  el.insert(0, [new Y.XmlText(text)])
  c.fragment.insert(c.fragment.length, [el])
}

/** Types `text` into `xmlText` at `index`, one update per character (code point). */
export async function typeInto (xmlText, index, text, delay = 5) {
  for (const ch of text) {
    xmlText.insert(index, ch)
    index += ch.length
    await sleep(delay)
  }
}

/**
 * Asserts that a contributions answer matches the truth for `clients` (each
 * with a `name`) and the document `fragment`: present, inserted and deleted
 * per author, share, edit times since `started`, sections and the timeline's
 * sums. Returns the answer's authors by name.
 */
export function checkContributions (contributions, truth, fragment, clients, started) {
  const names = clients.map((c) => c.name)
  const expected = truth.present(fragment)
  // The letters agree with Yjs' own record of which client inserted what.
  const clientOwner = new Map(clients.map((c) => [c.doc.clientID, c.name]))
  for (const [clientId, units] of presentByClient(fragment)) {
    assert.equal(units, expected.get(clientOwner.get(clientId)) ?? 0, `Yjs items of client ${clientId} disagree with the letters`)
  }
  const byName = new Map(contributions.authors.map((a) => [a.name, a]))
  const total = [...expected.values()].reduce((a, b) => a + b, 0)
  assert.equal(contributions.length, total)
  assert.equal(total, blocksText(fragment).replace(/\n/g, '').length)
  for (const name of names) {
    const a = byName.get(name)
    const t = truth.of(name)
    assert.ok(a !== undefined, `${name} is not listed`)
    assert.deepEqual({ present: a.present, inserted: a.inserted, deleted: a.deleted },
      { present: expected.get(name) ?? 0, inserted: t.inserted, deleted: t.deleted }, `${name}'s numbers`)
    // No starting text here, so the members wrote the whole body.
    assert.equal(contributions.written, total)
    assert.ok(Math.abs(a.share - (total === 0 ? 0 : a.present / total)) < 1e-9, `${name}'s share`)
    assert.ok(a.edits > 0 && a.active_minutes >= 1, `${name} edited`)
    assert.ok(a.first_edit >= started - 1000 && a.first_edit <= a.last_edit && a.last_edit <= Date.now(), `${name}'s edit times`)
  }
  const sections = sectionsOf(fragment)
  assert.deepEqual(contributions.sections.map((s) => s.heading), sections.map((s) => s.heading))
  for (const [i, section] of sections.entries()) {
    for (const name of names) {
      const want = section.authors.get(name) ?? 0
      assert.equal(contributions.sections[i].authors[byName.get(name).author_id] ?? 0, want, `${name} in section ${JSON.stringify(section.heading)}`)
      assert.equal(byName.get(name).sections[i].present, want)
    }
  }
  for (const name of names) {
    const id = byName.get(name).author_id
    const sum = (key) => contributions.timeline.buckets.reduce((s, b) => s + (b.authors[id]?.[key] ?? 0), 0)
    assert.equal(sum('inserted'), truth.of(name).inserted, `${name}'s timeline inserted`)
    assert.equal(sum('deleted'), truth.of(name).deleted, `${name}'s timeline deleted`)
  }
  return byName
}

/** How many clocks of `client` in [clock, clock + len) the delete set `ds` holds. */
function deletedIn (ds, client, clock, len) {
  let n = 0
  for (const d of ds.clients.get(client) ?? []) {
    n += Math.max(0, Math.min(clock + len, d.clock + d.len) - Math.max(clock, d.clock))
  }
  return n
}

/**
 * What the server sees of an offline session: the client's edits since
 * `before` (a Y.snapshot taken when it went offline) arrive as one update, so
 * text both typed and deleted offline counts neither as inserted nor as
 * deleted. Returns the body characters the session's update inserts (its own
 * new text still present) and deletes (text present at `before`, gone now).
 * The document must be made with `gc: false`, so deleted text keeps its length
 * and place.
 */
export function offlineNet (doc, before) {
  let inserted = 0
  let deleted = 0
  const visit = (type) => {
    for (let item = type._start; item !== null; item = item.right) {
      if (item.content instanceof Y.ContentType) {
        visit(item.content.type)
        continue
      }
      if (!(item.content instanceof Y.ContentString)) continue
      const { client, clock } = item.id
      // Yjs merges neighbouring items of one client: part may predate `before`.
      const old = Math.min(item.length, Math.max(0, (before.sv.get(client) ?? 0) - clock))
      if (!item.deleted && client === doc.clientID) inserted += item.length - old
      if (item.deleted && old > 0) deleted += old - deletedIn(before.ds, client, clock, old)
    }
  }
  visit(doc.getXmlFragment('content'))
  return { inserted, deleted }
}
