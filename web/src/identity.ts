/**
 * Who this browser is: the author secret that the server maps to a stable
 * author id, the display name and colour shown to others, and the group
 * sign-in taken from a shared link (kept by the server in a cookie).
 */
import { load, loadJson, remove, store } from './storage'

const AUTHOR_KEY = 'quire.author'
const NAME_KEY = 'quire.name'
const COLOR_KEY = 'quire.color'
/** Where an older version kept the token itself; read once, then removed. */
const TOKEN_KEY = 'quire.token'
/** Who the session signs in (never the token). */
const CLAIMS_KEY = 'quire.session'

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Cursor and presence colours: 6-digit hex, as y-prosemirror requires. */
export const PALETTE = [
  '#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4',
  '#008080', '#f032e6', '#9a6324', '#800000', '#000075'
]

/** The name and colour other people see. */
export interface Profile {
  name: string
  color: string
}

function randomIndex (size: number): number {
  const words = new Uint32Array(1)
  crypto.getRandomValues(words)
  return words[0] % size
}

/** A random string of `length` url-safe characters. */
export function randomSecret (length = 32): string {
  const bytes = new Uint8Array(length)
  crypto.getRandomValues(bytes)
  // 64 symbols divide 256 evenly, so the mapping has no bias.
  return Array.from(bytes, (b) => URL_SAFE[b % 64]).join('')
}

/** The browser's author secret, created on first use. Never shown to others. */
export function authorSecret (): string {
  let secret = load(AUTHOR_KEY)
  if (secret === null || !/^[A-Za-z0-9_-]{16,128}$/.test(secret)) {
    secret = randomSecret()
    store(AUTHOR_KEY, secret)
  }
  return secret
}

/** Whether `color` is a 6-digit hex colour. */
export function isColor (color: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(color)
}

/** The remembered display name and colour, created on first use. */
export function loadProfile (): Profile {
  let name = load(NAME_KEY)
  if (name === null || name.trim() === '') {
    name = `Guest ${1000 + randomIndex(9000)}`
    store(NAME_KEY, name)
  }
  let color = load(COLOR_KEY)
  if (color === null || !isColor(color)) {
    color = PALETTE[randomIndex(PALETTE.length)]
    store(COLOR_KEY, color)
  }
  return { name, color }
}

/** Remembers a new display name and colour; invalid values are ignored. */
export function saveProfile (profile: Profile): Profile {
  const name = profile.name.trim().slice(0, 64)
  const current = loadProfile()
  const next = {
    name: name === '' ? current.name : name,
    color: isColor(profile.color) ? profile.color.toLowerCase() : current.color
  }
  store(NAME_KEY, next.name)
  store(COLOR_KEY, next.color)
  return next
}

/** Who this browser's session signs in, as the server said when it began. */
export interface TokenClaims {
  member: string
  group: string
  role: 'teacher' | 'editor' | 'viewer'
  name: string
}

/** The answer of `/api/v1/session`. */
export interface SessionAnswer {
  signed_in?: boolean
  member?: string
  group?: string
  role?: string
  name?: string
}

export function sessionClaims (answer: SessionAnswer): TokenClaims | null {
  const { member, group, role, name } = answer
  if (typeof member !== 'string' || typeof group !== 'string') return null
  if (role !== 'teacher' && role !== 'editor' && role !== 'viewer') return null
  return { member, group, role, name: typeof name === 'string' ? name : member }
}

/**
 * Hands a `?token=` from the address bar (or a token an older version of
 * this page kept in storage) to the server, which keeps it in an HttpOnly
 * cookie that no script can read; the address bar and storage keep only
 * who it signs in. Resolves once the session is settled.
 */
export async function captureToken (): Promise<void> {
  const url = new URL(window.location.href)
  const fromLink = url.searchParams.get('token')
  if (fromLink !== null) {
    url.searchParams.delete('token')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }
  const legacy = load(TOKEN_KEY)
  const token = fromLink !== null && fromLink !== '' ? fromLink : legacy
  if (legacy !== null) remove(TOKEN_KEY)
  const signIn = token !== null && token !== ''
  try {
    // With a new token, sign in with it; else ask who the cookie signs in.
    const response = await fetch('/api/v1/session', signIn
      ? {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ token }),
          cache: 'no-store'
        }
      : { cache: 'no-store' })
    const answer = response.ok ? await response.json() as SessionAnswer : {}
    if (answer.signed_in === true) {
      store(CLAIMS_KEY, JSON.stringify(answer))
    } else {
      remove(CLAIMS_KEY)
    }
  } catch {
    // Offline: what the page knew of the session stays as it was.
  }
}

/** Whether this browser holds a sign-in (a member's or the admin's). */
export function signedIn (): boolean {
  return load(CLAIMS_KEY) !== null
}

/**
 * Who this browser is signed in as, or null (signed out, or the admin).
 * Only for what the page shows before the server answers; the server
 * decides access from the cookie.
 */
export function tokenClaims (): TokenClaims | null {
  return sessionClaims(loadJson<SessionAnswer>(CLAIMS_KEY, {}))
}

/** Signs this browser out: the server drops the cookie. */
export async function forgetToken (): Promise<void> {
  remove(CLAIMS_KEY)
  try {
    await fetch('/api/v1/session', { method: 'DELETE', cache: 'no-store' })
  } catch {}
}
