/**
 * The BFF's live events (`GET /events`, server-sent events): one EventSource per tab, shared by
 * every page that listens. `instance` events carry an instance's new status and step progress,
 * `message` events a new in-site message. The browser reconnects by itself with Last-Event-ID.
 */
import { url } from './client'

export interface InstanceEvent {
  instanceId: string
  status?: string
  statusName?: string
  instanceName?: string
  locked?: string
  /** The running job's step: {action, step, steps} and, for long steps, bytes and total. */
  progress?: { action?: string; step?: number; steps?: number; bytes?: number; total?: number }
  jobId?: string
  reason?: string
  [key: string]: unknown
}

export interface MessageEvent {
  messageId: string
  content?: string
  [key: string]: unknown
}

export interface LiveEventMap {
  instance: InstanceEvent
  message: MessageEvent
}

type Listener<K extends keyof LiveEventMap> = (data: LiveEventMap[K]) => void

class LiveEvents {
  private source: EventSource | null = null
  private listeners: { [K in keyof LiveEventMap]: Set<Listener<K>> } = {
    instance: new Set(),
    message: new Set(),
  }
  /** Called when the stream closes for good (402: the session is over). */
  onClosed: (() => void) | null = null

  get connected(): boolean {
    return this.source !== null && this.source.readyState !== EventSource.CLOSED
  }

  connect(): void {
    if (this.connected || typeof EventSource === 'undefined') return
    const source = new EventSource(url('/events'), { withCredentials: true })
    for (const name of Object.keys(this.listeners) as (keyof LiveEventMap)[]) {
      source.addEventListener(name, (event) => {
        let data: unknown
        try {
          data = JSON.parse((event as globalThis.MessageEvent<string>).data)
        } catch {
          return
        }
        for (const listener of this.listeners[name]) (listener as Listener<typeof name>)(data as never)
      })
    }
    source.onerror = () => {
      // An answer that is not a stream (402 after a logout or an expiry) closes it for good.
      if (source.readyState === EventSource.CLOSED) {
        this.source = null
        this.onClosed?.()
      }
    }
    this.source = source
  }

  disconnect(): void {
    this.source?.close()
    this.source = null
  }

  on<K extends keyof LiveEventMap>(name: K, listener: Listener<K>): () => void {
    this.listeners[name].add(listener)
    this.connect()
    return () => this.listeners[name].delete(listener)
  }
}

export const liveEvents = new LiveEvents()
