/** Small DOM helpers, so pages can be built without a framework. */

type Child = Node | string | null | undefined | false
type Attrs = Record<string, string | number | boolean | EventListener | undefined>

/**
 * Creates an element. Attributes whose name starts with `on` and whose value is
 * a function become event listeners; `true` sets a boolean attribute, `false`
 * and `undefined` leave it out; everything else is set as a string.
 */
export function h<K extends keyof HTMLElementTagNameMap> (
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value)
    } else if (value === true) {
      el.setAttribute(key, '')
    } else if (value !== false && value !== undefined) {
      el.setAttribute(key, String(value))
    }
  }
  append(el, ...children)
  return el
}

/** Appends children, skipping empty ones and turning strings into text nodes. */
export function append (parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child)
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren (parent: Element, ...children: Child[]): void {
  parent.textContent = ''
  append(parent, ...children)
}

/** The app's root element, emptied, with `className` set for page styling. */
export function pageRoot (className: string): HTMLElement {
  const root = document.getElementById('app')
  if (root === null) throw new Error('missing #app element')
  root.textContent = ''
  root.className = className
  return root
}

/** A 16×16 stroked SVG icon from path data, hidden from screen readers. */
export function svgIcon (...paths: string[]): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg'
  const svg = document.createElementNS(ns, 'svg')
  svg.setAttribute('viewBox', '0 0 24 24')
  svg.setAttribute('width', '16')
  svg.setAttribute('height', '16')
  svg.setAttribute('fill', 'none')
  svg.setAttribute('stroke', 'currentColor')
  svg.setAttribute('stroke-width', '2')
  svg.setAttribute('stroke-linecap', 'round')
  svg.setAttribute('aria-hidden', 'true')
  for (const d of paths) {
    const path = document.createElementNS(ns, 'path')
    path.setAttribute('d', d)
    svg.appendChild(path)
  }
  return svg
}
