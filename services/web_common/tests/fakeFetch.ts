/** A stand-in for the BFF in unit tests: answers by method and path, records what was sent. */
import { vi } from 'vitest'

export interface Sent {
  method: string
  url: string
  headers: Record<string, string>
  body: unknown
}

type Answer = { status?: number; body: unknown }

export function fakeBff(routes: Record<string, Answer | ((sent: Sent) => Answer)>) {
  const sent: Sent[] = []
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET'
    const record: Sent = {
      method,
      url,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: init.body ? JSON.parse(String(init.body)) : undefined,
    }
    sent.push(record)
    const path = url.split('?')[0]
    const route = routes[`${method} ${path}`]
    if (!route) return new Response(JSON.stringify({ requestId: 'r', error: { code: 404, message: 'no route', status: 'NOT_FOUND' } }), { status: 404 })
    const answer = typeof route === 'function' ? route(record) : route
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { 'X-Jdcloud-Request-Id': 'req-1' } })
  })
  vi.stubGlobal('fetch', fetch)
  return { sent, fetch }
}

export const ok = (result: unknown): Answer => ({ body: { requestId: 'r', result } })
export const refused = (code: number, message: string, status = 'ERROR'): Answer => ({
  status: code,
  body: { requestId: 'r', error: { code, message, status } },
})
