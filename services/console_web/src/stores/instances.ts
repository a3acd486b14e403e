/**
 * The user's instances: one page of the list (paged and filtered on the server) and the one
 * open on its detail page, both kept current by the BFF's live `instance` events.
 */
import type { InstanceEvent } from '@bmp/web-common/api/events'
import { defineStore } from 'pinia'
import { instanceApi, type Instance, type InstanceFilters } from '../api'

/** Statuses an action is running in: the page follows them (events, and the step's progress). */
export const TRANSITIONAL = new Set([
  'creating',
  'starting',
  'stopping',
  'restarting',
  'resetting_password',
  'reinstalling',
  'destroying',
])

export type SingleAction = 'start' | 'stop' | 'restart' | 'lock' | 'unlock' | 'delete'
export type BatchAction = 'start' | 'stop' | 'restart' | 'delete'

/** What an event changes of an instance (only the fields it carries). */
export function applyEvent(instance: Instance, event: InstanceEvent): Instance {
  const next: Instance = { ...instance }
  if (typeof event.status === 'string') next.status = event.status
  if (typeof event.instanceName === 'string') next.instanceName = event.instanceName
  if (typeof event.locked === 'string') next.locked = event.locked
  if (event.progress && typeof event.progress === 'object') next.progress = event.progress as Instance['progress']
  if (typeof event.jobId === 'string') next.jobId = event.jobId
  return next
}

export function cleanFilters(filters: InstanceFilters): InstanceFilters {
  return Object.fromEntries(
    Object.entries(filters).filter(([, value]) => typeof value === 'string' && value.trim() !== ''),
  ) as InstanceFilters
}

export const useInstancesStore = defineStore('instances', {
  state: () => ({
    items: [] as Instance[],
    total: 0,
    pageNumber: 1,
    pageSize: 20,
    filters: {} as InstanceFilters,
    loading: false,
    error: '',
    current: null as Instance | null,
  }),
  actions: {
    async loadList(): Promise<void> {
      this.loading = true
      try {
        const answer = await instanceApi.list({
          ...cleanFilters(this.filters),
          pageNumber: this.pageNumber,
          pageSize: this.pageSize,
        })
        this.items = answer.instances
        this.total = answer.totalCount
        this.error = ''
      } catch (caught) {
        this.error = caught instanceof Error ? caught.message : String(caught)
      } finally {
        this.loading = false
      }
    },
    async search(filters: InstanceFilters): Promise<void> {
      this.filters = { ...filters }
      this.pageNumber = 1
      await this.loadList()
    },
    async load(instanceId: string): Promise<Instance> {
      const { instance } = await instanceApi.get(instanceId)
      this.current = instance
      return instance
    },
    /** A live event: the list row and the open instance change at once, no reload. */
    onEvent(event: InstanceEvent): void {
      const index = this.items.findIndex((item) => item.instanceId === event.instanceId)
      if (index >= 0) this.items.splice(index, 1, applyEvent(this.items[index]!, event))
      if (this.current?.instanceId === event.instanceId) this.current = applyEvent(this.current, event)
      const watched = index >= 0 || this.current?.instanceId === event.instanceId
      if (watched && typeof event.status === 'string' && !TRANSITIONAL.has(event.status)) {
        void this.refresh(event.instanceId).catch(() => undefined)
      }
    },
    /** One instance read again (its allowed actions change with its status). */
    async refresh(instanceId: string): Promise<void> {
      const { instance } = await instanceApi.get(instanceId)
      const index = this.items.findIndex((item) => item.instanceId === instanceId)
      if (index >= 0) this.items.splice(index, 1, instance)
      if (this.current?.instanceId === instanceId) this.current = instance
    },
    async act(action: SingleAction, instanceId: string): Promise<void> {
      const call = {
        start: instanceApi.start,
        stop: instanceApi.stop,
        restart: instanceApi.restart,
        lock: instanceApi.lock,
        unlock: instanceApi.unlock,
        delete: instanceApi.remove,
      }[action]
      await call(instanceId)
    },
    async actMany(action: BatchAction, instanceIds: string[]): Promise<void> {
      const call = {
        start: instanceApi.startMany,
        stop: instanceApi.stopMany,
        restart: instanceApi.restartMany,
        delete: instanceApi.deleteMany,
      }[action]
      await call(instanceIds)
    },
  },
})
