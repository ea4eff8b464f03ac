/**
 * Who this browser is: the author secret that the server maps to a stable
 * author id, the display name and colour shown to others, and an optional
 * group token taken from a shared link.
 */
import { load, store } from './storage'

const AUTHOR_KEY = 'quire.author'
const NAME_KEY = 'quire.name'
const COLOR_KEY = 'quire.color'
const TOKEN_KEY = 'quire.token'

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

/**
 * Moves a `?token=` from the address bar into storage, so that it is neither
 * bookmarked nor shared by accident, and returns the stored token if any.
 */
export function captureToken (): string | null {
  const url = new URL(window.location.href)
  const token = url.searchParams.get('token')
  if (token !== null && token !== '') {
    store(TOKEN_KEY, token)
    url.searchParams.delete('token')
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash)
  }
  return storedToken()
}

/** The group token kept by this browser, if any. */
export function storedToken (): string | null {
  const token = load(TOKEN_KEY)
  return token === null || token === '' ? null : token
}

/** What a member token says about its holder (not verified: the server does that). */
export interface TokenClaims {
  member: string
  group: string
  role: 'teacher' | 'editor' | 'viewer'
}

/**
 * Reads the claims of a member token `q1.MEMBER.GROUP.ROLE.EXPIRY.MAC`, or
 * null for anything else (the admin token, a malformed one). Only for what
 * the page shows before the server answers; the server decides access.
 */
export function tokenClaims (token: string | null = storedToken()): TokenClaims | null {
  if (token === null) return null
  const parts = token.split('.')
  if (parts.length !== 6 || parts[0] !== 'q1') return null
  const role = parts[3]
  if (role !== 'teacher' && role !== 'editor' && role !== 'viewer') return null
  return { member: parts[1], group: parts[2], role }
}

/** Forgets the group token, for signing out of a group. */
export function forgetToken (): void {
  store(TOKEN_KEY, '')
}
