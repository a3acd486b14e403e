import { describe, expect, it } from 'vitest'
import { jobActions, type DeviceType } from '../src/api'
import {
  deviceActions,
  deviceBody,
  deviceTypeBody,
  deviceTypeForm,
  idcBody,
  imageFormatOf,
  newDeviceTypeForm,
  newVolume,
  volumeProblems,
  SN,
  SPEC_CODE,
} from '../src/stores/forms'
import { userBody, USER_NAME } from '../src/stores/users'

const RAIDS = { r0: 'RAID0', r1: 'RAID1', r5: 'RAID5', r10: 'RAID10' }
const keys = (problems: { key: string }[]) => problems.map((p) => p.key.replace('deviceType.problems.', ''))

describe('IDC form', () => {
  const form = { name: ' Beijing 1 ', nameEn: 'BJ1', shortname: 'bj1', level: 'T3', address: '', iloUser: '', iloPassword: '', switchUser1: 'sw', switchPassword1: '', switchUser2: '', switchPassword2: '' }
  it('a new IDC sends every credential, trimmed names', () => {
    const body = idcBody(form, false)
    expect(body.name).toBe('Beijing 1')
    expect(body).toHaveProperty('iloPassword', '')
  })
  it('an edit leaves the credentials not typed as they are (never shown, so empty means unchanged)', () => {
    const body = idcBody(form, true)
    expect(body).not.toHaveProperty('iloPassword')
    expect(body).not.toHaveProperty('iloUser')
    expect(body.switchUser1).toBe('sw')
  })
})

describe('device type form', () => {
  it('a new form has one system volume and no problem', () => {
    expect(volumeProblems(newDeviceTypeForm().volumes.map((v) => ({ ...v, raidIds: ['r1'] })), RAIDS)).toEqual([])
  })
  it('refuses what openapi answers 409 for', () => {
    const system = { ...newVolume('system'), raidIds: [] }
    expect(keys(volumeProblems([system], RAIDS))).toEqual(['raidLevel'])
    expect(keys(volumeProblems([{ ...system, raidIds: ['r5'], volumeAmount: 2 }], RAIDS))).toEqual(['raidDisks'])
    expect(keys(volumeProblems([{ ...system, raidIds: ['r10'], volumeAmount: 4 }], RAIDS))).toEqual([])
    expect(keys(volumeProblems([{ ...newVolume('data'), raidIds: [] }], RAIDS))).toEqual(['oneSystem'])
    const sata = { ...newVolume('data'), interfaceType: 'SATA' as const }
    expect(keys(volumeProblems([{ ...system, raidIds: ['r1'] }, sata], RAIDS))).toEqual(['noRaidOneDisk'])
    const twice = { ...newVolume('data'), volumeName: 'system' }
    expect(keys(volumeProblems([{ ...system, raidIds: ['r1'] }, twice], RAIDS))).toEqual(['volumeTwice'])
    expect(keys(volumeProblems([{ ...system, raidIds: ['r1'], volumeSize: '1.234' }], RAIDS))).toEqual(['volumeSize'])
    expect(keys(volumeProblems([{ ...system, raidCan: '单盘RAID0', volumeAmount: 2 }], RAIDS))).toEqual(['singleRaid0'])
  })
  it('sends RAID ids only for a RAID volume, the boot modes joined, specs as chosen', () => {
    const form = { ...newDeviceTypeForm(), idcId: 'idc-1', name: ' big ', deviceType: 'cps.c.big', cpuPreset: 0, cpuManufacturer: 'Intel', cpuModel: 'Xeon', cpuFrequency: '2.4', bootModes: ['UEFI', 'Legacy/BIOS'] }
    form.volumes = [{ ...newVolume('system'), raidIds: ['r1', 'r0'] }, { ...newVolume('data', 1), raidIds: ['r5'] }]
    const body = deviceTypeBody(form)
    expect(body.name).toBe('big')
    expect(body.cpuSpec).toBe('common')
    expect(body.memSpec).toBe('user_defined')
    expect(body.boot_mode).toBe('UEFI,Legacy/BIOS')
    expect(body.volumes.map((v) => v.raid)).toEqual(['r1,r0', ''])
    expect(body.gpuManufacturer).toBe('')
  })
  it('a form from an existing type keeps its volumes with their RAID ids', () => {
    const source = { ...deviceTypeBody(newDeviceTypeForm()), volumes: [{ ...newVolume('system'), raid: 'RAID1', raidId: 'r1' }], boot_mode: 'UEFI', isNeedRaid: '2' } as unknown as DeviceType
    const form = deviceTypeForm(source)
    expect(form.volumes[0]!.raidIds).toEqual(['r1'])
    expect(form.bootModes).toEqual(['UEFI'])
    expect(form.isNeedRaid).toBe('2')
  })
  it('spec codes as the contract takes them', () => {
    expect(SPEC_CODE.test('cps.c.normal')).toBe(true)
    expect(SPEC_CODE.test('cps c')).toBe(false)
  })
})

describe('devices', () => {
  it('what an operator may do in each state', () => {
    expect(deviceActions('in')).toEqual({ putaway: true, unPutaway: false, collect: true, remove: true })
    expect(deviceActions('putaway')).toEqual({ putaway: false, unPutaway: true, collect: false, remove: false })
    expect(deviceActions('created')).toEqual({ putaway: false, unPutaway: false, collect: false, remove: false })
    expect(deviceActions('putawayfail').putaway).toBe(true)
  })
  it('a device by form: the empty fields left out, the rest trimmed', () => {
    const body = deviceBody('idc-1', { sn: ' SN1 ', cabinet: '', uPosition: '', iloIp: '10.0.0.1', iloUser: '', iloPassword: '', mac1: 'aa:bb:cc:dd:ee:ff', privateIpv4: '10.1.0.5', mask: '255.255.255.0', gateway: '10.1.0.1', privateIpv6: '' })
    expect(body).toEqual({ idcId: 'idc-1', devices: [{ sn: 'SN1', iloIp: '10.0.0.1', mac1: 'aa:bb:cc:dd:ee:ff', privateIpv4: '10.1.0.5', mask: '255.255.255.0', gateway: '10.1.0.1' }] })
    expect(SN.test('-x')).toBe(false)
  })
})

describe('images and users', () => {
  it('the files the upload takes', () => {
    expect(imageFormatOf('centos.tar.xz')).toBe('tar')
    expect(imageFormatOf('ubuntu.TAR.GZ')).toBe('tar')
    expect(imageFormatOf('win.qcow2')).toBe('qcow2')
    expect(imageFormatOf('.qcow2')).toBe('')
    expect(imageFormatOf('disk.raw')).toBe('')
  })
  it('a new user has a name and password; an edit sends neither', () => {
    const form = { userName: ' tom ', password: 'Pa55word!', passwordRepeat: 'Pa55word!', roleId: 'role-user-uuid-01', email: '', phonePrefix: '', phoneNumber: '', description: '' }
    expect(userBody(form, false)).toMatchObject({ userName: 'tom', password: 'Pa55word!' })
    expect(userBody(form, true)).not.toHaveProperty('password')
    expect(userBody(form, true)).not.toHaveProperty('userName')
    expect(USER_NAME.test('tom.j')).toBe(false)
  })
})

describe('jobs', () => {
  it('a job that has not ended may be cancelled; a failed or cancelled one retried', () => {
    expect(jobActions('running')).toEqual({ cancel: true, retry: false })
    expect(jobActions('queued').cancel).toBe(true)
    expect(jobActions('failed')).toEqual({ cancel: false, retry: true })
    expect(jobActions('cancelled').retry).toBe(true)
    expect(jobActions('succeeded')).toEqual({ cancel: false, retry: false })
  })
})
