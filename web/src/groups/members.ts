/**
 * The group page's members, for teachers: each member with their role, a
 * button that copies their sign-in link, and one that removes them; and a
 * form that adds a member.
 */
import { h, replaceChildren } from '../dom'
import { tokenClaims } from '../identity'
import { absoluteLink, addMember, fetchMembers, removeMember, ROLES, type Member, type Role } from './api'

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

const ROLE_NAMES: Record<Role, string> = { teacher: 'Teacher', editor: 'Editor', viewer: 'Viewer' }

/**
 * Copies `text` to the clipboard: the Clipboard API where the page may use
 * it, else a selected text area. Resolves to whether it worked.
 */
export async function copyText (text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = h('textarea', { readonly: true, class: 'offscreen', 'aria-hidden': 'true' })
    area.value = text
    document.body.appendChild(area)
    area.select()
    let copied = false
    try {
      copied = document.execCommand('copy')
    } catch {}
    area.remove()
    return copied
  }
}

/** The members section; it loads the list itself. */
export function membersSection (group: string): HTMLElement {
  const me = tokenClaims()?.member
  const list = h('ul', { class: 'members', 'aria-labelledby': 'members-heading' })
  const announce = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' })
  const error = h('p', { class: 'error', role: 'alert' })

  const copyButton = (member: Member, row: HTMLElement): HTMLButtonElement => {
    const button = h('button', { type: 'button', 'aria-label': `Copy sign-in link of ${member.name}` }, 'Copy link')
    button.addEventListener('click', () => {
      if (member.link === null) return
      const link = absoluteLink(member.link)
      void copyText(link).then((copied) => {
        if (copied) {
          announce.textContent = `Copied the sign-in link of ${member.name}.`
          button.textContent = 'Copied'
          setTimeout(() => { button.textContent = 'Copy link' }, 2000)
          return
        }
        // No clipboard: show the link, selected, to copy by hand.
        const field = h('input', { type: 'text', readonly: true, class: 'member-link', 'aria-label': `Sign-in link of ${member.name}` })
        field.value = link
        row.querySelector('.member-link')?.remove()
        row.appendChild(field)
        field.select()
        announce.textContent = 'Copying is not allowed here: copy the selected link.'
      })
    })
    return button
  }

  const removeButton = (member: Member, row: HTMLElement): HTMLButtonElement => {
    const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${member.name}` }, 'Remove')
    button.addEventListener('click', () => {
      if (!window.confirm(`Remove ${member.name} from the group? Their link stops working at once.`)) return
      button.disabled = true
      error.textContent = ''
      removeMember(group, member.member_id).then(() => {
        row.remove()
        announce.textContent = `Removed ${member.name}.`
      }, (err: unknown) => {
        error.textContent = `Could not remove ${member.name}: ${messageOf(err)}`
        button.disabled = false
      })
    })
    return button
  }

  const row = (member: Member): HTMLElement => {
    const item = h('li', { 'data-member': member.member_id },
      h('span', { class: 'member-name' }, member.name, member.member_id === me ? h('span', { class: 'muted' }, ' (you)') : null),
      h('span', { class: `role role-${member.role}` }, ROLE_NAMES[member.role] ?? member.role))
    const actions = h('span', { class: 'member-actions' })
    if (member.link !== null) actions.appendChild(copyButton(member, item))
    if (member.member_id !== me) actions.appendChild(removeButton(member, item))
    item.appendChild(actions)
    return item
  }

  const name = h('input', { id: 'member-name', type: 'text', maxlength: 64, required: true, autocomplete: 'off' })
  const role = h('select', { id: 'member-role' }, ...ROLES.map((r) => h('option', { value: r.value }, r.label)))
  const add = h('button', { type: 'submit', class: 'primary', 'aria-label': 'Add member' }, 'Add member')
  const form = h('form', { class: 'stack add-member', 'aria-labelledby': 'add-member-heading' },
    h('h3', { id: 'add-member-heading' }, 'Add a member'),
    h('label', { for: 'member-name' }, 'Name'), name,
    h('label', { for: 'member-role' }, 'Role'), role,
    add)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (name.value.trim() === '') return
    add.disabled = true
    error.textContent = ''
    addMember(group, name.value.trim(), role.value as Role).then((member) => {
      list.appendChild(row(member))
      announce.textContent = `Added ${member.name}. Copy their link and send it to them.`
      name.value = ''
      add.disabled = false
    }, (err: unknown) => {
      error.textContent = `Could not add the member: ${messageOf(err)}`
      add.disabled = false
    })
  })

  fetchMembers(group).then((members) => {
    replaceChildren(list, ...members.filter((m) => !m.revoked).map(row))
  }, (err: unknown) => {
    error.textContent = `Could not load the members: ${messageOf(err)}`
  })

  return h('section', { class: 'card', 'aria-labelledby': 'members-heading' },
    h('h2', { id: 'members-heading' }, 'Members'), list, announce, error, form)
}
