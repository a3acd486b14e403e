import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  createBody,
  emptyChoices,
  isMountPoint,
  isPartitionSize,
  isUserData,
  MAX_PARTITIONS,
  toBase64,
  useCreateWizardStore,
} from '../src/stores/createWizard'

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

describe('the wizard checks partitions and user data as the contract does', () => {
  it('a mount point is swap, / or an absolute path of safe names', () => {
    for (const point of ['swap', '/', '/data', '/var/lib/mysql', '/.hidden', '/a..b', '/srv/x_y-z.1']) expect(isMountPoint(point), point).toBe(true)
    for (const point of ['', 'data', '/data/', '//', '/..', '/.', '/a b', '/dätä', 'swap2', `/${'a'.repeat(255)}`]) expect(isMountPoint(point), point).toBe(false)
  })

  it('a size is a whole number of MB from 1 to 100000000', () => {
    expect([1, 10240, 100_000_000].every(isPartitionSize)).toBe(true)
    expect([0, -1, 1.5, 100_000_001, null, undefined, '10'].some(isPartitionSize)).toBe(false)
  })

  it('user data travels base64-encoded (UTF-8), and is refused past 65536 encoded characters or with a NUL', () => {
    const script = '#!/bin/sh\necho 你好 > /root/hello\n'
    expect(toBase64(script)).toBe(Buffer.from(script, 'utf8').toString('base64'))
    expect(createBody({ ...chosen(), userData: script }).userData).toBe(Buffer.from(script).toString('base64'))
    expect(createBody(chosen()).userData).toBeUndefined()
    expect(isUserData('a'.repeat(49152))).toBe(true) // 65536 once encoded
    expect(isUserData('a'.repeat(49153))).toBe(false)
    expect(isUserData('x\0y')).toBe(false)
    expect(toBase64('é'.repeat(40000))).toBe(Buffer.from('é'.repeat(40000)).toString('base64')) // past one slice
  })

  it('partitions are added up to 32 and removed by their place', () => {
    const wizard = useCreateWizardStore()
    wizard.choices.partitions = [{ format: 'xfs', point: '/', size: 40960 }]
    wizard.addPartition()
    expect(wizard.choices.partitions[1]).toEqual({ format: 'xfs', point: '', size: 10240 })
    wizard.removePartition(0)
    expect(wizard.choices.partitions.map((p) => p.point)).toEqual([''])
    for (let i = 0; i < 40; i++) wizard.addPartition()
    expect(wizard.choices.partitions).toHaveLength(MAX_PARTITIONS)
  })
})
