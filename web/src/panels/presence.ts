/** Who is here (from awareness) and your own name and colour. */
import type { Awareness } from 'y-protocols/awareness'
import { h, replaceChildren } from '../dom'
import { saveProfile, type Profile } from '../identity'

interface PresentUser {
  clientId: number
  name: string
  color: string
}

/** The people whose awareness states carry a user, yourself first. */
export function presentUsers (awareness: Awareness): PresentUser[] {
  const users: PresentUser[] = []
  awareness.getStates().forEach((state, clientId) => {
    const user = (state as { user?: { name?: unknown, color?: unknown } }).user
    if (user === undefined) return
    const role = (user as { role?: unknown }).role
    const name = typeof user.name === 'string' ? user.name : 'Anonymous'
    users.push({
      clientId,
      name: typeof role === 'string' ? `${name} (${role})` : name,
      color: typeof user.color === 'string' ? user.color : '#888888'
    })
  })
  const self = awareness.clientID
  return users.sort((a, b) => Number(b.clientId === self) - Number(a.clientId === self) || a.name.localeCompare(b.name))
}

/** A live list of the people present, as coloured initials with their names as labels. */
export function presenceList (awareness: Awareness): HTMLElement {
  const list = h('ul', { class: 'presence', 'aria-label': 'People here', 'data-testid': 'presence' })
  const render = (): void => {
    replaceChildren(list, ...presentUsers(awareness).map((user) => {
      const you = user.clientId === awareness.clientID
      const label = you ? `${user.name} (you)` : user.name
      const item = h('li', { title: label, 'aria-label': label, class: you ? 'self' : '' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(user.name)),
        h('span', { class: 'person-name' }, label))
      item.style.setProperty('--user-color', user.color)
      return item
    }))
  }
  awareness.on('change', render)
  render()
  return list
}

function initials (name: string): string {
  const words = name.trim().split(/\s+/).filter((w) => w !== '')
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : name.slice(0, 2)
  return letters.toUpperCase()
}

/** Your name: an input, or fixed text when the server decides it. */
export interface ProfileEditor {
  element: HTMLElement
  /** Fixes the name (a group member's, from the membership) and shows the role. */
  fix: (name: string, role: string | null) => void
}

/**
 * The input for your own name (your colour is the server's, one per author
 * everywhere). Changes are remembered in the browser and passed to
 * `onChange`, which tells the others and the server.
 */
export function profileEditor (profile: Profile, onChange: (profile: Profile) => void): ProfileEditor {
  const name = h('input', { id: 'my-name', type: 'text', value: profile.name, maxlength: 64, 'aria-label': 'Your name', autocomplete: 'nickname' })
  const fixed = h('span', { class: 'my-name fixed', hidden: true, 'data-testid': 'my-name' })
  const commit = (): void => {
    const saved = saveProfile({ name: name.value, color: profile.color })
    name.value = saved.name
    onChange(saved)
  }
  name.addEventListener('change', commit)
  name.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') name.blur()
  })
  return {
    element: h('div', { class: 'profile' }, name, fixed),
    fix: (member, role) => {
      name.hidden = true
      name.disabled = true
      fixed.hidden = false
      fixed.textContent = role === null ? member : `${member} (${role})`
      fixed.title = 'Your name comes from your group membership'
    }
  }
}
