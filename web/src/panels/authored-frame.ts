/**
 * The document as the server renders it (the HTML export, usually coloured by
 * author), shown in a sandboxed iframe: no scripts run in it, and its own
 * Content-Security-Policy forbids loading anything but images.
 */
import { h } from '../dom'

/** An iframe showing exported HTML. */
export interface AuthoredFrame {
  element: HTMLIFrameElement
  /** Shows `html`, keeping the reader's scroll position. */
  show: (html: string) => void
}

/** Makes links in the export open in a new tab instead of inside the frame. */
function withBaseTarget (html: string): string {
  const base = '<base target="_blank">'
  return /<head>/i.test(html) ? html.replace(/<head>/i, `<head>${base}`) : base + html
}

/**
 * A sandboxed frame titled `title`. With `autoHeight` it grows to fit the
 * document; otherwise the stylesheet sizes it and it scrolls inside.
 */
export function authoredFrame (title: string, options: { autoHeight?: boolean, testId?: string } = {}): AuthoredFrame {
  // allow-same-origin without allow-scripts: nothing in the frame can run,
  // and the page can read its size and scroll position.
  const element = h('iframe', {
    class: 'authored-frame',
    title,
    sandbox: 'allow-same-origin allow-popups allow-popups-to-escape-sandbox',
    referrerpolicy: 'no-referrer',
    'data-testid': options.testId
  })
  let scroll = { x: 0, y: 0 }
  element.addEventListener('load', () => {
    const doc = element.contentDocument
    if (doc === null) return
    if (options.autoHeight === true) {
      element.style.height = `${doc.documentElement.scrollHeight + 2}px`
    }
    doc.defaultView?.scrollTo(scroll.x, scroll.y)
  })
  return {
    element,
    show: (html: string) => {
      const win = element.contentWindow
      if (win !== null) scroll = { x: win.scrollX, y: win.scrollY }
      element.srcdoc = withBaseTarget(html)
    }
  }
}
