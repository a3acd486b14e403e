import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, api, configureClient, exportUrl, onNotLoggedIn, queryString } from '../src/api/client'
import { fakeBff, ok, refused } from './fakeFetch'

configureClient({ baseUrl: '/console-web', csrfCookie: 'bmp_console_csrftoken' })

afterEach(() => {
  vi.unstubAllGlobals()
  document.cookie = 'bmp_console_csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/'
})

describe('the API client', () => {
  it('answers the envelope result', async () => {
    fakeBff({ 'GET /console-web/user': ok({ user: { userName: 'tina' } }) })
    expect(await api.get('/user')).toEqual({ user: { userName: 'tina' } })
  })

  it('sends the CSRF cookie back and an idempotency key on writes only', async () => {
    document.cookie = 'bmp_console_csrftoken=tok123; path=/'
    const { sent } = fakeBff({ 'PUT /console-web/keypair': ok({}), 'GET /console-web/keypair': ok({}) })
    await api.put('/keypair', { name: 'k' })
    await api.get('/keypair')
    expect(sent[0]!.headers['X-CSRFToken']).toBe('tok123')
    expect(sent[0]!.headers['Idempotency-Key']).toBeTruthy()
    expect(sent[0]!.body).toEqual({ name: 'k' })
    expect(sent[1]!.headers['X-CSRFToken']).toBeUndefined()
    expect(sent[1]!.headers['Idempotency-Key']).toBeUndefined()
  })

  it("turns a refusal into an ApiError with the server's own message", async () => {
    fakeBff({ 'PUT /console-web/project': refused(409, 'A project named x exists', 'CONFLICT') })
    const error = await api.put('/project', {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).message).toBe('A project named x exists')
    expect((error as ApiError).code).toBe(409)
    expect((error as ApiError).requestId).toBe('req-1')
  })

  it('calls the 402 handler when the session is over', async () => {
    const seen: ApiError[] = []
    onNotLoggedIn((error) => seen.push(error))
    fakeBff({ 'GET /console-web/instance': refused(402, 'user not login', 'NOT_LOGIN') })
    await expect(api.get('/instance')).rejects.toBeInstanceOf(ApiError)
    expect(seen.map((e) => e.notLoggedIn)).toEqual([true])
  })

  it('leaves empty filters out of the query and exports without paging', () => {
    expect(queryString({ a: '', b: undefined, c: 0, d: 'x y' })).toBe('?c=0&d=x+y')
    expect(exportUrl('/instance', { status: 'running', pageNumber: 2 })).toBe('/console-web/instance?status=running&exportType=xlsx')
  })
})
