/**
 * The one HTTP client of both consoles: every BFF call goes through `request`.
 *
 * - Cookies carry the session (HttpOnly, set by the BFF) and the language
 *   (`X-Jdcloud-Language`, read by the BFF); unsafe methods echo the CSRF cookie in
 *   `X-CSRFToken`.
 * - Answers are the envelope `{requestId, result}` or `{requestId, error: {code, message,
 *   status}}`; an error becomes one `ApiError` carrying the server's own message.
 * - 402 (no live session) calls the handler set with `onNotLoggedIn` (the app sends the
 *   browser to its login page and back afterwards).
 */

export interface ApiErrorBody {
  code: number
  message: string
  status: string
}

export class ApiError extends Error {
  readonly code: number
  readonly status: string
  readonly requestId: string
  /** The error body as answered: some carry more (a refused spreadsheet's `rows`). */
  readonly body: ApiErrorBody & { [key: string]: unknown }

  constructor(body: ApiErrorBody, requestId = '') {
    super(body.message)
    this.name = 'ApiError'
    this.code = body.code
    this.status = body.status
    this.requestId = requestId
    this.body = body as ApiErrorBody & { [key: string]: unknown }
  }

  get notLoggedIn(): boolean {
    return this.code === 402
  }
}

export interface ClientOptions {
  /** Where the BFF is mounted behind nginx: `/console-web` or `/operation-web`. */
  baseUrl: string
  /** The BFF's CSRF cookie name (`bmp_console_csrftoken`, `bmp_operation_csrftoken`). */
  csrfCookie: string
  /** Where the BFF answers the session's own account: `/user` (console-api, the default) or
   * `/user/local` (operation-api, upstream's path). */
  userPath?: string
}

/** Query parameters: any object of scalars (empty values are left out). */
type Query = object
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

const SAFE: ReadonlySet<Method> = new Set(['GET'])

let options: ClientOptions = { baseUrl: '', csrfCookie: 'csrftoken' }
let notLoggedIn: ((error: ApiError) => void) | null = null

export function configureClient(next: ClientOptions): void {
  options = next
}

export function clientOptions(): ClientOptions {
  return options
}

/** What happens on a 402: set once by the app (its router sends the user to login). */
export function onNotLoggedIn(handler: (error: ApiError) => void): void {
  notLoggedIn = handler
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return null
}

export function writeCookie(name: string, value: string, days = 365): void {
  const expires = new Date(Date.now() + days * 864e5).toUTCString()
  document.cookie = `${name}=${encodeURIComponent(value)}; expires=${expires}; path=/; SameSite=Lax`
}

/** The query string of `query`, empty values left out. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (value === undefined || value === null || value === '') continue
    params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** `path` under the BFF's prefix, or under `base` (e.g. upstream's `/oob-alert`). */
export function url(path: string, query?: Query, base?: string): string {
  return `${base ?? options.baseUrl}${path}${queryString(query)}`
}

function newRequestId(): string {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`
  return random.replace(/[^A-Za-z0-9-]/g, '')
}

async function envelope(response: Response): Promise<unknown> {
  const requestId = response.headers.get('X-Jdcloud-Request-Id') ?? ''
  type Envelope = { result?: unknown; error?: ApiErrorBody }
  const body = (await response.json().catch(() => null)) as Envelope | null
  if (response.ok && body && 'result' in body) return body.result
  const error = new ApiError(
    body?.error ?? {
      code: response.status,
      message: response.statusText || `HTTP ${response.status}`,
      status: 'UNKNOWN',
    },
    requestId,
  )
  if (error.notLoggedIn && notLoggedIn) notLoggedIn(error)
  throw error
}

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Sent as `Idempotency-Key` on writes (a retry of the same action runs once). */
  idempotencyKey?: string
  /** Another prefix than the BFF's (nginx sends `/oob-alert/` to the BFF too). */
  base?: string
}

export async function request<T>(method: Method, path: string, init: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'X-Jdcloud-Request-Id': newRequestId(),
  }
  if (!SAFE.has(method)) {
    const token = readCookie(options.csrfCookie)
    if (token) headers['X-CSRFToken'] = token
    headers['Idempotency-Key'] = init.idempotencyKey ?? newRequestId()
  }
  let body: string | undefined
  if (init.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(init.body)
  }
  let response: Response
  try {
    response = await fetch(url(path, init.query, init.base), {
      method,
      headers,
      body,
      credentials: 'same-origin',
    })
  } catch (cause) {
    throw new ApiError({ code: 0, message: String(cause), status: 'NETWORK' })
  }
  return (await envelope(response)) as T
}

export const api = {
  get: <T>(path: string, query?: Query, base?: string) => request<T>('GET', path, { query, base }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} }),
  delete: <T>(path: string, body?: unknown) => request<T>('DELETE', path, { body }),
}

/** The URL of a list's Excel export (the BFF answers it as a download). */
export function exportUrl(path: string, query: Query = {}, base?: string): string {
  return url(path, { ...query, exportType: 'xlsx', pageNumber: undefined, pageSize: undefined }, base)
}

/**
 * A multipart upload (an image file, a device spreadsheet) with its progress: fetch cannot
 * report an upload's progress, XMLHttpRequest can. Same envelope, CSRF and 402 handling as
 * `request`; `onProgress` gets the fraction sent (0 to 1).
 */
export function upload<T>(
  path: string,
  form: FormData,
  onProgress?: (fraction: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url(path))
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('X-Jdcloud-Request-Id', newRequestId())
    xhr.setRequestHeader('Idempotency-Key', newRequestId())
    const token = readCookie(options.csrfCookie)
    if (token) xhr.setRequestHeader('X-CSRFToken', token)
    xhr.withCredentials = true
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded / event.total)
    }
    xhr.onerror = () => reject(new ApiError({ code: 0, message: 'network error', status: 'NETWORK' }))
    xhr.onload = () => {
      const response = new Response(xhr.responseText, {
        status: xhr.status,
        statusText: xhr.statusText,
        headers: { 'X-Jdcloud-Request-Id': xhr.getResponseHeader('X-Jdcloud-Request-Id') ?? '' },
      })
      envelope(response).then((result) => resolve(result as T), reject)
    }
    xhr.send(form)
  })
}
