/**
 * localStorage access that survives browsers where storage is disabled
 * (private modes, blocked cookies): reads give null, writes are dropped.
 */

/** Reads a string, or null when missing or unavailable. */
export function load (key: string): string | null {
  try {
    return window.localStorage.getItem(key)
  } catch {
    return null
  }
}

/** Writes a string; silently does nothing when storage is unavailable. */
export function store (key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value)
  } catch {
    // Storage is full or disabled: the value lives for this page only.
  }
}

/** Removes a key; silently does nothing when storage is unavailable. */
export function remove (key: string): void {
  try {
    window.localStorage.removeItem(key)
  } catch {
    // Storage is disabled: there is nothing to remove.
  }
}

/** Reads and parses JSON, falling back to `fallback` on any problem. */
export function loadJson<T> (key: string, fallback: T): T {
  const raw = load(key)
  if (raw === null) return fallback
  try {
    return JSON.parse(raw) as T
  } catch {
    return fallback
  }
}
