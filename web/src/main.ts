/** Entry point: a single-page app that picks a page from the address. */
import { captureToken } from './identity'
import { renderEditor } from './pages/editor'
import { renderGroup } from './pages/group'
import { renderHistory } from './pages/history'
import { renderHome } from './pages/home'
import { renderInsights } from './pages/insights'
import { renderNotFound } from './pages/not-found'

/** The page an address leads to. */
export type Route =
  | { page: 'home' }
  | { page: 'editor' | 'history' | 'insights', id: string }
  | { page: 'group', group: string }
  | { page: 'not-found' }

/** Maps a path to a route: `/`, `/d/{id}`, `/d/{id}/history`, `/d/{id}/insights`, `/g/{group}`. */
export function route (pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { page: 'home' }
  const group = /^\/g\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname)
  if (group !== null) return { page: 'group', group: group[1] }
  const match = /^\/d\/([A-Za-z0-9_-]{1,64})(?:\/(history|insights))?\/?$/.exec(pathname)
  if (match === null) return { page: 'not-found' }
  const sub = match[2] as 'history' | 'insights' | undefined
  return { page: sub ?? 'editor', id: match[1] }
}

async function start (): Promise<void> {
  await captureToken()
  const target = route(window.location.pathname)
  switch (target.page) {
    case 'home': renderHome(); break
    case 'editor': renderEditor(target.id); break
    case 'history': renderHistory(target.id); break
    case 'insights': renderInsights(target.id); break
    case 'group': renderGroup(target.group); break
    case 'not-found': renderNotFound(); break
  }
}

void start()
