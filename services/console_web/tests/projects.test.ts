import { configureClient } from '@bmp/web-common/api/client'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import type { Project } from '../src/api'
import { shareBody, useProjectsStore } from '../src/stores/projects'

configureClient({ baseUrl: '/console-web', csrfCookie: 'csrf' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

const project = (id: string, userId = 'u-me') => ({ projectId: id, projectName: id, userId }) as Project

describe('sharing a project', () => {
  it('the whole project is "all", some instances a comma-separated list', () => {
    const base = { sharerID: 'u-tom', permission: 'read' as const, instanceIds: ['i-1', 'i-2'] }
    expect(shareBody('u-me', { ...base, scope: 'all' })).toEqual({ ownerID: 'u-me', sharerID: 'u-tom', permission: 'read', instanceIDs: 'all' })
    expect(shareBody('u-me', { ...base, scope: 'some' }).instanceIDs).toBe('i-1,i-2')
  })

  it('shares, unshares and gives as the owner', async () => {
    const { sent } = fakeBff({
      'PUT /console-web/project/p-1/share': ok({ success: true }),
      'PUT /console-web/project/p-1/cancelShare': ok({ success: true }),
      'PUT /console-web/project/p-1/move': ok({ success: true }),
    })
    const store = useProjectsStore()
    await store.share(project('p-1'), { sharerID: 'u-tom', permission: 'write', scope: 'all', instanceIds: [] })
    await store.unshare(project('p-1'), 'u-tom')
    await store.give(project('p-1'), 'u-tom')
    expect(sent.map((s) => s.body)).toEqual([
      { ownerID: 'u-me', sharerID: 'u-tom', permission: 'write', instanceIDs: 'all' },
      { ownerID: 'u-me', sharerID: 'u-tom' },
      { ownerID: 'u-me', moverID: 'u-tom' },
    ])
  })

  it('moves some instances into another project of mine', async () => {
    const { sent } = fakeBff({ 'PUT /console-web/project/move/instances': ok({ success: true }) })
    await useProjectsStore().moveInstances(project('p-1'), ['i-1', 'i-3'], project('p-2'))
    expect(sent[0]!.body).toEqual({ instanceIDs: 'i-1,i-3', ownerProjectID: 'p-1', moverProjectID: 'p-2', ownerID: 'u-me', moverID: 'u-me' })
  })
})
