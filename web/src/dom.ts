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
