/** The group calls: a group's documents, and for teachers its members. */
import { request } from '../api'

/** A role in a group. */
export type Role = 'teacher' | 'editor' | 'viewer'

/** The roles a member can be given, with labels for forms. */
export const ROLES: ReadonlyArray<{ value: Role, label: string }> = [
  { value: 'editor', label: 'Editor (writes and chats)' },
  { value: 'viewer', label: 'Viewer (reads only)' },
  { value: 'teacher', label: 'Teacher (manages the group)' }
]

/** One document of a group. */
export interface GroupDoc {
  id: string
  title: string
  /** Milliseconds since the epoch. */
  updated: number
  revisions: number
}

/** `GET /groups/{g}/docs`: the group, the caller's role in it, its documents. */
export interface GroupDocs {
  id: string
  name: string
  /** `teacher`, `editor`, `viewer`, or `admin` for the admin token. */
  role: Role | 'admin'
  docs: GroupDoc[]
}

/** One member as teachers see them. */
export interface Member {
  member_id: string
  name: string
  role: Role
  revoked: boolean
  /** Absent (null) once revoked. */
  token: string | null
  /** The sign-in link, `/g/{g}?token=...` (absolute when the server knows its public URL). */
  link: string | null
}

function groupPath (group: string): string {
  return `/api/v1/groups/${encodeURIComponent(group)}`
}

/** The group's name, the caller's role and the group's documents, newest first. */
export async function fetchGroupDocs (group: string): Promise<GroupDocs> {
  const body = await (await request('GET', `${groupPath(group)}/docs`)).json() as GroupDocs
  const docs = Array.isArray(body.docs) ? body.docs : []
  docs.sort((a, b) => b.updated - a.updated)
  return { ...body, docs }
}

/** Every member, removed ones included (admin or teacher). */
export async function fetchMembers (group: string): Promise<Member[]> {
  const body = await (await request('GET', `${groupPath(group)}/members`)).json() as { members?: Member[] }
  return Array.isArray(body.members) ? body.members : []
}

/** Adds a member; the answer holds their token and sign-in link. */
export async function addMember (group: string, name: string, role: Role): Promise<Member> {
  const response = await request('POST', `${groupPath(group)}/members`, { name, role })
  return await response.json() as Member
}

/** Removes a member: their token stops working and their connections close. */
export async function removeMember (group: string, member: string): Promise<void> {
  await request('DELETE', `${groupPath(group)}/members/${encodeURIComponent(member)}`)
}

/** A member's sign-in link as an absolute address, to be shared. */
export function absoluteLink (link: string): string {
  return new URL(link, window.location.origin).href
}
