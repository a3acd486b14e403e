/**
 * The router guard both consoles use: pages need a session, except those marked
 * `meta.public`; a 402 from any call sends the browser to the login page with the page it was
 * on, and the login page goes back there.
 */
import type { Router } from 'vue-router'
import { onNotLoggedIn } from './api/client'
import { liveEvents } from './api/events'
import { useSessionStore } from './stores/session'

export const LOGIN_PATH = '/login'

/** Only paths of this app are followed after login (never another site). */
export function safeReturnPath(value: unknown): string {
  const path = typeof value === 'string' ? value : ''
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/'
  if (path === LOGIN_PATH || path.startsWith(`${LOGIN_PATH}?`)) return '/'
  return path
}

export function installSessionGuard(router: Router): void {
  // A 402 while the user was logged in: the session ended (expiry, logout elsewhere, password
  // change). Before login the guard below sends to the login page itself.
  onNotLoggedIn(() => {
    const session = useSessionStore()
    if (!session.loggedIn) return
    const current = router.currentRoute.value
    session.forget()
    if (current.meta.public) return
    void router.replace({ path: LOGIN_PATH, query: { redirect: current.fullPath, expired: '1' } })
  })
  liveEvents.onClosed = () => {
    // The stream closes for good on a 402: ask once more (a 402 there leads to login).
    void useSessionStore()
      .load()
      .then((user) => user && liveEvents.connect())
      .catch(() => undefined)
  }

  router.beforeEach(async (to) => {
    if (to.meta.public) return true
    const session = useSessionStore()
    if (session.loggedIn) return true
    const user = await session.load().catch(() => null)
    if (user) return true
    return { path: LOGIN_PATH, query: { redirect: to.fullPath } }
  })
}
