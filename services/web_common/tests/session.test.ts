import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { configureClient } from '../src/api/client'
import { safeReturnPath } from '../src/router'
import { useSessionStore } from '../src/stores/session'
import { fakeBff, ok, refused } from './fakeFetch'

configureClient({ baseUrl: '', csrfCookie: 'csrftoken' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('the session store', () => {
  it('logs in: the CSRF cookie first, then the user', async () => {
    const { sent } = fakeBff({
      'GET /health': ok({ status: 'ok' }),
      'POST /login': ok({ success: true, userId: 'u1', userName: 'tina' }),
      'GET /user': ok({ user: { userId: 'u1', userName: 'tina' } }),
    })
    const session = useSessionStore()
    await session.login('tina', 'pw')
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /health', 'POST /login', 'GET /user'])
    expect(session.loggedIn).toBe(true)
    expect(session.userName).toBe('tina')
  })

  it('a 402 is no user, not an error', async () => {
    fakeBff({ 'GET /user': refused(402, 'user not login') })
    const session = useSessionStore()
    expect(await session.load()).toBeNull()
    expect(session.loggedIn).toBe(false)
  })

  it('a refused login keeps the server message', async () => {
    fakeBff({ 'GET /health': ok({}), 'POST /login': refused(401, 'Wrong user name or password') })
    await expect(useSessionStore().login('tina', 'bad')).rejects.toThrow('Wrong user name or password')
  })

  it('logs out even when the BFF is gone', async () => {
    fakeBff({ 'GET /user': ok({ user: { userName: 'tina' } }) })
    const session = useSessionStore()
    await session.load()
    await session.logout().catch(() => undefined)
    expect(session.loggedIn).toBe(false)
  })
})

describe('after login the browser goes back only to a page of this app', () => {
  it.each([
    ['/instance/detail/i-1?tab=info', '/instance/detail/i-1?tab=info'],
    ['//evil.example/x', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['/login?redirect=/x', '/'],
    [undefined, '/'],
  ])('%s -> %s', (given, expected) => expect(safeReturnPath(given)).toBe(expected))
})
