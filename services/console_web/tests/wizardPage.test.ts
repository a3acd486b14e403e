/**
 * The create wizard's page in a DOM, over a stand-in BFF: what was chosen — a data volume's RAID,
 * an added partition, user data — is what the create request carries. (The form's refusals are
 * the rules' unit tests and the browser test: under happy-dom the form's validate() answered
 * true for a bad mount point, so a refusal asserted here could not fail for the right reason.)
 */
import { configureClient } from '@bmp/web-common/api/client'
import { setupI18n } from '@bmp/web-common/i18n/index'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import enUS from '../src/locales/en-US'
import zhCN from '../src/locales/zh-CN'
import InstanceCreatePage from '../src/pages/InstanceCreatePage.vue'
import { useCreateWizardStore } from '../src/stores/createWizard'

configureClient({ baseUrl: '/console-web', csrfCookie: 'csrf' })
afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

const CATALOG = {
  'GET /console-web/project': ok({ projects: [{ projectId: 'p-1', projectName: 'default', isDefault: 1 }], totalCount: 1 }),
  'GET /console-web/idc': ok({ idcs: [{ idcId: 'idc-1', name: 'lab' }] }),
  'GET /console-web/keypair': ok({ sshkeys: [], totalCount: 0 }),
  'GET /console-web/deviceType/getAvailableDeviceTypes': ok({
    deviceTypes: [{ deviceTypeId: 'dt-1', name: 'lab.vm', available: true, stocks: 3, boot_mode: 'UEFI,Legacy/BIOS' }],
  }),
  'GET /console-web/device/isDeviceStockEnough': ok({ success: true, stocks: 3 }),
  'GET /console-web/image/queryImagesByDeviceType': ok({ images: [{ imageId: 'img-1', imageName: 'lab-linux' }] }),
  'GET /console-web/raid/queryRaidsByDeviceTypeIDAndVolumeType': ok([
    { volumeId: 'v-1', volumeName: 'system', volumeType: 'system', raids: [{ raidId: 'r-no', raidName: 'NO RAID' }] },
    { volumeId: 'v-2', volumeName: 'data1', volumeType: 'data', raids: [{ raidId: 'r-0', raidName: 'RAID0' }] },
  ]),
  'GET /console-web/partition/queryDefaultSystemPartitions': ok({
    systemPartition: [{ format: 'xfs', point: '/', size: 51200 }],
    dataPartition: [],
  }),
  'PUT /console-web/instance': ok({ instanceIds: ['i-1'] }),
}

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function next(page: VueWrapper): Promise<void> {
  await page.find('form').trigger('submit')
  await settle()
}

const step = () => useCreateWizardStore().step

describe('the create wizard page', () => {
  it('sends the data RAID, the partitions and the user data chosen', async () => {
    document.cookie = 'X-Jdcloud-Language=en_US'
    const { sent } = fakeBff(CATALOG)
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
    const page = mount(InstanceCreatePage, {
      global: { plugins: [createPinia(), setupI18n({ 'zh-CN': zhCN, 'en-US': enUS }), router] },
      attachTo: document.body,
    })
    await settle()
    await next(page)
    expect(step()).toBe(1)

    // The data volume's RAID (a select per data volume) and a second partition.
    useCreateWizardStore().choices.dataRaids['v-2'] = 'r-0'
    await page.findAll('button').find((b) => b.text() === 'Add a partition')!.trigger('click')
    await settle()
    const point = page.findAll('input[aria-label="Mount point"]')[1]!
    await point.setValue('/data')
    await next(page)
    expect(step()).toBe(2)

    await page.find('input[type="text"]').setValue('web-1') // the instance's name, the step's first field
    await page.find('input[type="password"]').setValue('Root-Pass-2026')
    const userData = page.find('textarea[placeholder^="A script"]')
    await userData.setValue('#!/bin/sh\necho hi\n')
    await next(page)
    expect(step()).toBe(3)
    expect(page.text()).toContain('RAID0')

    await page.findAll('button').find((b) => b.text() === 'Create')!.trigger('click')
    await settle()
    const create = sent.find((s) => s.method === 'PUT')!
    expect(create.body).toMatchObject({
      instanceName: 'web-1',
      systemVolumeRaidId: 'r-no',
      VolumeRaids: [{ volumeId: 'v-2', raidId: 'r-0', volumeType: 'data' }],
      systemPartition: [
        { format: 'xfs', point: '/', size: 51200 },
        { format: 'xfs', point: '/data', size: 10240 },
      ],
      userData: btoa('#!/bin/sh\necho hi\n'),
    })
    page.unmount()
  }, 60_000)
})
