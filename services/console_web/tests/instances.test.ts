import { configureClient } from '@bmp/web-common/api/client'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import type { Instance } from '../src/api'
import { applyEvent, cleanFilters, useInstancesStore } from '../src/stores/instances'

configureClient({ baseUrl: '/console-web', csrfCookie: 'csrf' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

const instance = (id: string, status = 'running'): Instance =>
  ({ instanceId: id, instanceName: id, status, locked: 'unlocked', progress: {}, allowedActions: ['stop'] }) as unknown as Instance

describe('live events', () => {
  it('change only what they carry', () => {
    const next = applyEvent(instance('i-1'), { instanceId: 'i-1', status: 'stopping', progress: { action: 'PowerOff', step: 1, steps: 2 } })
    expect(next.status).toBe('stopping')
    expect(next.progress).toEqual({ action: 'PowerOff', step: 1, steps: 2 })
    expect(next.instanceName).toBe('i-1')
    expect(next.allowedActions).toEqual(['stop'])
  })

  it('update the list row and the open instance, and read a settled one again', async () => {
    const { sent } = fakeBff({ 'GET /console-web/instance/i-2': ok({ instance: instance('i-2', 'stopped') }) })
    const store = useInstancesStore()
    store.items = [instance('i-1'), instance('i-2')]
    store.current = instance('i-2')
    store.onEvent({ instanceId: 'i-2', status: 'stopping' })
    expect(store.items[1]!.status).toBe('stopping')
    expect(store.current.status).toBe('stopping')
    expect(sent).toHaveLength(0) // still transitional: nothing to read again
    store.onEvent({ instanceId: 'i-2', status: 'stopped' })
    await vi.waitFor(() => expect(sent.map((s) => s.url)).toEqual(['/console-web/instance/i-2']))
    expect(store.items[0]!.status).toBe('running')
  })

  it("ignore other users' instances", () => {
    const store = useInstancesStore()
    store.items = [instance('i-1')]
    store.onEvent({ instanceId: 'i-9', status: 'stopped' })
    expect(store.items[0]!.status).toBe('running')
  })
})

describe('the list', () => {
  it('asks the server for one page with the filters given', async () => {
    const { sent } = fakeBff({ 'GET /console-web/instance': ok({ instances: [instance('i-1')], totalCount: 41, pageNumber: 3, pageSize: 20 }) })
    const store = useInstancesStore()
    await store.search({ instanceName: 'web', status: '' })
    store.pageNumber = 3
    await store.loadList()
    expect(sent.map((s) => s.url)).toEqual([
      '/console-web/instance?instanceName=web&pageNumber=1&pageSize=20',
      '/console-web/instance?instanceName=web&pageNumber=3&pageSize=20',
    ])
    expect(store.total).toBe(41)
  })

  it('filters on a project on the server (the project filter, the project page)', async () => {
    const { sent } = fakeBff({ 'GET /console-web/instance': ok({ instances: [], totalCount: 0, pageNumber: 1, pageSize: 20 }) })
    await useInstancesStore().search({ projectId: 'p-2', instanceName: '' })
    expect(sent[0]!.url).toBe('/console-web/instance?projectId=p-2&pageNumber=1&pageSize=20')
  })

  it('sends no blank filter', () => {
    expect(cleanFilters({ instanceName: ' ', status: 'running', ipv4: '' })).toEqual({ status: 'running' })
  })

  it('batch actions send the ids in the body, as upstream', async () => {
    const { sent } = fakeBff({ 'DELETE /console-web/instance/deleteInstances': ok({ success: true }), 'POST /console-web/instance/stopInstance': ok({ success: true }) })
    const store = useInstancesStore()
    await store.actMany('delete', ['i-1', 'i-2'])
    await store.act('stop', 'i-3')
    expect(sent[0]!.body).toEqual({ instance_ids: ['i-1', 'i-2'] })
    expect(sent[1]!.body).toEqual({ instanceId: 'i-3' })
  })
})
