/**
 * Which link targets and image sources the editor renders and accepts: the
 * rule of crdt-core's `schema::is_safe_url`, so the editor, the importers and
 * the exports agree on what a safe address is.
 */

/**
 * Rust's `char::is_whitespace` (Unicode White_Space) and `char::is_control`
 * (Cc): what `is_safe_url` drops before it reads the scheme.
 */
const IGNORED = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/g

/**
 * Whether `url` is harmless to render and follow as a link (or, with
 * `image`, to load as an image): http, https, mailto, tel or a relative
 * address; for images also `data:image/...` other than SVG. `javascript:`,
 * `vbscript:`, `data:` links and every other scheme are not, however they are
 * spelled: case, whitespace and control characters in the scheme are ignored,
 * as browsers ignore them.
 */
export function isSafeUrl (url: string, image = false): boolean {
  const squeezed = url.replace(IGNORED, '').replace(/[A-Z]/g, (c) => c.toLowerCase())
  const schemeEnd = squeezed.indexOf(':')
  if (schemeEnd < 0) return true
  const pathStart = squeezed.search(/[/?#]/)
  if (pathStart >= 0 && pathStart < schemeEnd) return true
  const scheme = squeezed.slice(0, schemeEnd)
  if (scheme === 'http' || scheme === 'https' || scheme === 'mailto' || scheme === 'tel') return true
  return image && squeezed.startsWith('data:image/') && !squeezed.startsWith('data:image/svg')
}
