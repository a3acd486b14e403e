import { configureClient } from '@bmp/web-common/api/client'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import { oobApi, oobPaging } from '../src/api'
import { useCatalogStore } from '../src/stores/catalog'

configureClient({ baseUrl: '/operation-web', csrfCookie: 'csrf', userPath: '/user/local' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('the catalog store', () => {
  it('loads the IDCs once, again when asked', async () => {
    const { sent } = fakeBff({ 'GET /operation-web/idc': ok({ idcs: [{ idcId: 'i-1', name: 'BJ' }], totalCount: 1 }) })
    const catalog = useCatalogStore()
    await catalog.loadIdcs()
    await catalog.loadIdcs()
    expect(sent.length).toBe(1)
    await catalog.loadIdcs(true)
    expect(sent.length).toBe(2)
    expect(catalog.idcs.map((i) => i.name)).toEqual(['BJ'])
  })
  it('names RAID levels by id', async () => {
    fakeBff({ 'GET /operation-web/raids': ok({ raids: [{ raidId: 'r-1', name: 'RAID1' }] }) })
    const catalog = useCatalogStore()
    await catalog.loadRaids()
    expect(catalog.raidNames).toEqual({ 'r-1': 'RAID1' })
  })
})

describe('out-of-band calls', () => {
  it('go to /oob-alert/ with oob-alert’s paging names; a fault is handled by POST', async () => {
    const { sent } = fakeBff({
      'GET /oob-alert/v1/oob-alert/logs': ok({ detail: [], page_number: 2, page_size: 10, total_count: 0 }),
      'POST /oob-alert/v1/oob-alert/logs/deal': ok({ success: true }),
    })
    await oobApi.logs(oobPaging({ pageNumber: 2, pageSize: 10, sn: 'SN1', level: '' }))
    await oobApi.deal(7)
    expect(sent[0]!.url).toContain('page_num=2')
    expect(sent[0]!.url).toContain('sn=SN1')
    expect(sent[0]!.url).not.toContain('level=')
    expect(sent[1]!.body).toEqual({ logid: 7 })
  })
})
