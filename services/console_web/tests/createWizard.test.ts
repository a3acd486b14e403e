import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createBody, emptyChoices, useCreateWizardStore } from '../src/stores/createWizard'

beforeEach(() => setActivePinia(createPinia()))

const chosen = () => ({
  ...emptyChoices(),
  projectId: 'p-1',
  idcId: 'idc-1',
  deviceTypeId: 'dt-1',
  imageId: 'img-1',
  systemVolumeRaidId: 'r-0',
  instanceName: 'web',
  password: 'Root-Pass-2026',
})

describe('the create wizard', () => {
  it('sends only what was chosen, in the contract names', () => {
    expect(createBody(chosen())).toEqual({
      idcId: 'idc-1',
      projectId: 'p-1',
      deviceTypeId: 'dt-1',
      imageId: 'img-1',
      systemVolumeRaidId: 'r-0',
      instanceName: 'web',
      count: 1,
      installBmpAgent: false,
      password: 'Root-Pass-2026',
    })
  })

  it('SSH keys instead of a password, data RAIDs and partitions when chosen', () => {
    const body = createBody({
      ...chosen(),
      login: 'key',
      sshKeyIds: ['k-1', 'k-2'],
      dataRaids: { 'v-2': 'r-1', 'v-3': '' },
      partitions: [{ format: 'xfs', point: '/', size: 40960 }],
      hostname: 'web-01',
      bootMode: 'UEFI',
    })
    expect(body.password).toBeUndefined()
    expect(body.sshKeyId).toBe('k-1,k-2')
    expect(body.VolumeRaids).toEqual([{ volumeId: 'v-2', raidId: 'r-1', volumeType: 'data' }])
    expect(body.systemPartition).toEqual([{ format: 'xfs', point: '/', size: 40960 }])
    expect(body.hostname).toBe('web-01')
    expect(body.bootMode).toBe('UEFI')
  })

  it('a reset empties the choices a page holds', () => {
    const wizard = useCreateWizardStore()
    const held = wizard.choices
    Object.assign(held, chosen())
    wizard.step = 2
    wizard.reset()
    expect(held.instanceName).toBe('')
    expect(wizard.step).toBe(0)
  })

  it('a new device type drops what depended on the old one', () => {
    const wizard = useCreateWizardStore()
    Object.assign(wizard.choices, chosen(), { instanceName: 'kept' })
    wizard.chooseDeviceType('dt-2')
    expect(wizard.choices.imageId).toBe('')
    expect(wizard.choices.systemVolumeRaidId).toBe('')
    expect(wizard.choices.instanceName).toBe('kept')
  })
})
