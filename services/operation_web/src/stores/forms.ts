/**
 * What the operators' forms send and refuse, as typed functions (unit-tested): the contract's
 * patterns and limits (shared/bmp_common/contract/parts), checked before the server does.
 */
import { rules as commonRules } from '@bmp/web-common/rules/index'
import type { FormItemRule } from 'element-plus'
import type { CpuPreset, DeviceType, ManageStatus, MemPreset, Volume } from '../api'

type Translate = (key: string, values?: Record<string, unknown>) => string

// contract: CreateIdcRequest.shortname; CreateDeviceTypeRequest.deviceType; VolumeItem
export const SHORTNAME = /^[0-9A-Za-z_-]*$/
export const SPEC_CODE = /^[0-9A-Za-z._-]{1,64}$/
export const VOLUME_NAME = /^[0-9A-Za-z_-]{1,64}$/
export const VOLUME_SIZE = /^([1-9][0-9]{0,5}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$/
// contract: CreateDevicesRequest (SN), CreateImageRequest.filename
export const SN = /^[0-9A-Za-z][0-9A-Za-z._-]*$/
export const FILENAME = /^[0-9A-Za-z._+-]{1,255}$/
export const HASH = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$/
export const IMAGE_URL = /^(https?:\/\/|\{host\}\/)[!-~]+$/

function check(test: (value: string) => boolean, message: () => string, required = true): FormItemRule[] {
  return [
    ...(required ? [{ required: true, message: message(), trigger: 'blur' } as FormItemRule] : []),
    {
      trigger: 'blur',
      validator: (_rule, value: unknown, callback) => {
        const text = value === undefined || value === null ? '' : String(value)
        if (!required && text === '') return callback()
        callback(test(text) ? undefined : new Error(message()))
      },
    },
  ]
}

// -- IDC --------------------------------------------------------------------------------------

export interface IdcForm {
  name: string
  nameEn: string
  shortname: string
  level: string
  address: string
  iloUser: string
  iloPassword: string
  switchUser1: string
  switchPassword1: string
  switchUser2: string
  switchPassword2: string
}
const CREDENTIALS = ['iloUser', 'iloPassword', 'switchUser1', 'switchPassword1', 'switchUser2', 'switchPassword2'] as const

/** The body of createIdc / modifyIdc. On an edit a credential left empty is left as it is
 * (the form never shows the old ones, so empty means "unchanged", not "none"). */
export function idcBody(form: IdcForm, editing: boolean): Partial<IdcForm> {
  const body: Partial<IdcForm> = {
    name: form.name.trim(),
    nameEn: form.nameEn.trim(),
    shortname: form.shortname.trim(),
    level: form.level.trim(),
    address: form.address.trim(),
  }
  for (const key of CREDENTIALS) {
    if (!editing || form[key] !== '') body[key] = form[key]
  }
  return body
}

export function idcRules(t: Translate) {
  const r = commonRules(t)
  return {
    name: r.visible(64),
    nameEn: r.visible(64),
    level: r.visible(32),
    shortname: check((v) => v.length <= 32 && SHORTNAME.test(v), () => t('rules.shortname'), false),
    address: r.maxLength(255),
    iloUser: r.maxLength(64),
    iloPassword: r.maxLength(128),
    switchUser1: r.maxLength(64),
    switchPassword1: r.maxLength(128),
    switchUser2: r.maxLength(64),
    switchPassword2: r.maxLength(128),
  }
}

// -- device types -----------------------------------------------------------------------------

export interface DeviceTypeForm {
  idcId: string
  name: string
  deviceType: string
  deviceSeries: DeviceType['deviceSeries']
  architecture: string
  height: number
  description: string
  /** The index of a CPU preset, or -1: the fields typed. */
  cpuPreset: number
  cpuManufacturer: string
  cpuModel: string
  cpuAmount: number
  cpuCores: number
  cpuFrequency: string
  memPreset: number
  memType: string
  memSize: number
  memAmount: number
  memFrequency: number
  nicAmount: number
  nicRate: number
  interfaceMode: DeviceType['interfaceMode']
  gpuAmount: number
  gpuManufacturer: string
  gpuModel: string
  bootModes: string[]
  isNeedRaid: '1' | '2'
  volumes: VolumeForm[]
}
export interface VolumeForm {
  volumeName: string
  volumeType: Volume['volumeType']
  diskType: Volume['diskType']
  interfaceType: Volume['interfaceType']
  volumeSize: string
  volumeUnit: Volume['volumeUnit']
  volumeAmount: number
  raidCan: Volume['raidCan']
  raidIds: string[]
}

export function newVolume(volumeType: Volume['volumeType'], index = 0): VolumeForm {
  return {
    volumeName: volumeType === 'system' ? 'system' : `data${index || ''}`,
    volumeType,
    diskType: 'SSD',
    // A data volume starts as one NVMe disk without RAID (NO RAID is for a single NVMe disk).
    interfaceType: volumeType === 'system' ? 'SATA' : 'NVME',
    volumeSize: volumeType === 'system' ? '480' : '960',
    volumeUnit: 'GB',
    volumeAmount: volumeType === 'system' ? 2 : 1,
    raidCan: volumeType === 'system' ? 'RAID' : 'NO RAID',
    raidIds: [],
  }
}

export function newDeviceTypeForm(): DeviceTypeForm {
  return {
    idcId: '',
    name: '',
    deviceType: '',
    deviceSeries: 'computer',
    architecture: 'x86_64',
    height: 2,
    description: '',
    cpuPreset: -1,
    cpuManufacturer: '',
    cpuModel: '',
    cpuAmount: 2,
    cpuCores: 16,
    cpuFrequency: '',
    memPreset: -1,
    memType: 'DDR4',
    memSize: 32,
    memAmount: 8,
    memFrequency: 3200,
    nicAmount: 2,
    nicRate: 25,
    interfaceMode: 'bond',
    gpuAmount: 0,
    gpuManufacturer: '',
    gpuModel: '',
    bootModes: ['UEFI'],
    isNeedRaid: '1',
    volumes: [newVolume('system')],
  }
}

/** A form filled from an existing device type (edit, or "create from this one"). */
export function deviceTypeForm(source: DeviceType): DeviceTypeForm {
  return {
    ...newDeviceTypeForm(),
    idcId: source.idcId,
    name: source.name,
    deviceType: source.deviceType,
    deviceSeries: source.deviceSeries,
    architecture: source.architecture,
    height: source.height,
    description: source.description ?? '',
    cpuManufacturer: source.cpuManufacturer,
    cpuModel: source.cpuModel,
    cpuAmount: source.cpuAmount,
    cpuCores: source.cpuCores,
    cpuFrequency: source.cpuFrequency,
    memType: source.memType,
    memSize: source.memSize,
    memAmount: source.memAmount,
    memFrequency: source.memFrequency,
    nicAmount: source.nicAmount,
    nicRate: source.nicRate,
    interfaceMode: source.interfaceMode,
    gpuAmount: source.gpuAmount,
    gpuManufacturer: source.gpuManufacturer,
    gpuModel: source.gpuModel,
    bootModes: source.boot_mode ? source.boot_mode.split(',') : [],
    isNeedRaid: source.isNeedRaid === '2' ? '2' : '1',
    volumes: source.volumes.map((v) => ({
      volumeName: v.volumeName,
      volumeType: v.volumeType,
      diskType: v.diskType,
      interfaceType: v.interfaceType,
      volumeSize: v.volumeSize,
      volumeUnit: v.volumeUnit,
      volumeAmount: v.volumeAmount,
      raidCan: v.raidCan,
      raidIds: (v.raidId ?? '').split(',').filter(Boolean),
    })),
  }
}

/** Fills the CPU or memory fields from a preset (upstream's "common" specs). */
export function applyCpuPreset(form: DeviceTypeForm, preset: CpuPreset | undefined): void {
  if (!preset) return
  Object.assign(form, preset.info, { cpuFrequency: String(preset.info.cpuFrequency) })
}
export function applyMemPreset(form: DeviceTypeForm, preset: MemPreset | undefined): void {
  if (!preset) return
  Object.assign(form, preset.info)
}

/** The fewest disks each RAID level needs (the contract's 409 rule). */
export const RAID_MIN_DISKS: Record<string, number> = { RAID0: 2, RAID1: 2, RAID5: 3, RAID10: 4 }

/** What is wrong with the volumes (message keys with values), before the server says so. */
export function volumeProblems(volumes: VolumeForm[], raidNames: Record<string, string>): { key: string; values?: Record<string, unknown> }[] {
  const problems: { key: string; values?: Record<string, unknown> }[] = []
  const systems = volumes.filter((v) => v.volumeType === 'system').length
  if (systems !== 1) problems.push({ key: 'deviceType.problems.oneSystem' })
  const names = new Set<string>()
  for (const v of volumes) {
    if (!VOLUME_NAME.test(v.volumeName)) problems.push({ key: 'deviceType.problems.volumeName', values: { name: v.volumeName } })
    if (names.has(v.volumeName)) problems.push({ key: 'deviceType.problems.volumeTwice', values: { name: v.volumeName } })
    names.add(v.volumeName)
    if (!VOLUME_SIZE.test(v.volumeSize)) problems.push({ key: 'deviceType.problems.volumeSize', values: { name: v.volumeName } })
    if (v.raidCan === 'NO RAID' && (v.interfaceType !== 'NVME' || v.volumeAmount !== 1)) {
      problems.push({ key: 'deviceType.problems.noRaidOneDisk', values: { name: v.volumeName } })
    }
    if (v.raidCan === '单盘RAID0' && v.volumeAmount !== 1) {
      problems.push({ key: 'deviceType.problems.singleRaid0', values: { name: v.volumeName } })
    }
    if (v.raidCan === 'RAID') {
      if (v.raidIds.length === 0) problems.push({ key: 'deviceType.problems.raidLevel', values: { name: v.volumeName } })
      for (const id of v.raidIds) {
        const level = raidNames[id] ?? id
        const need = RAID_MIN_DISKS[level] ?? 1
        if (v.volumeAmount < need) {
          problems.push({ key: 'deviceType.problems.raidDisks', values: { name: v.volumeName, level, count: need } })
        }
      }
    }
  }
  return problems
}

/** The body of createDeviceType / modifyDeviceType. */
export function deviceTypeBody(form: DeviceTypeForm) {
  return {
    idcId: form.idcId,
    name: form.name.trim(),
    deviceType: form.deviceType.trim(),
    deviceSeries: form.deviceSeries,
    architecture: form.architecture,
    height: form.height,
    cpuSpec: form.cpuPreset >= 0 ? 'common' : 'user_defined',
    cpuManufacturer: form.cpuManufacturer.trim(),
    cpuModel: form.cpuModel.trim(),
    cpuAmount: form.cpuAmount,
    cpuCores: form.cpuCores,
    cpuFrequency: String(form.cpuFrequency).trim(),
    memSpec: form.memPreset >= 0 ? 'common' : 'user_defined',
    memType: form.memType,
    memSize: form.memSize,
    memAmount: form.memAmount,
    memFrequency: form.memFrequency,
    nicAmount: form.nicAmount,
    nicRate: form.nicRate,
    interfaceMode: form.interfaceMode,
    gpuAmount: form.gpuAmount,
    gpuManufacturer: form.gpuAmount > 0 ? form.gpuManufacturer.trim() : '',
    gpuModel: form.gpuAmount > 0 ? form.gpuModel.trim() : '',
    boot_mode: form.bootModes.join(','),
    isNeedRaid: form.isNeedRaid,
    volumes: form.volumes.map((v) => ({
      volumeName: v.volumeName,
      volumeType: v.volumeType,
      diskType: v.diskType,
      interfaceType: v.interfaceType,
      volumeSize: v.volumeSize,
      volumeUnit: v.volumeUnit,
      volumeAmount: v.volumeAmount,
      raidCan: v.raidCan,
      raid: v.raidCan === 'RAID' ? v.raidIds.join(',') : '',
    })),
  }
}

export function deviceTypeRules(t: Translate) {
  const r = commonRules(t)
  return {
    idcId: r.required(),
    name: r.visible(64),
    deviceType: check((v) => SPEC_CODE.test(v), () => t('rules.specCode')),
    cpuManufacturer: r.visible(64),
    cpuModel: r.visible(64),
    cpuFrequency: r.visible(64),
    bootModes: [{ type: 'array', required: true, message: t('common.rules.required'), trigger: 'change' }] as FormItemRule[],
  }
}

// -- devices ----------------------------------------------------------------------------------

/** What an operator may do with a device in each state (upstream's buttons). */
export function deviceActions(status: ManageStatus): { putaway: boolean; unPutaway: boolean; collect: boolean; remove: boolean } {
  return {
    putaway: status === 'in' || status === 'putawayfail',
    unPutaway: status === 'putaway',
    collect: status === 'in' || status === 'putawayfail',
    remove: status === 'in' || status === 'putawayfail',
  }
}

export interface DeviceForm {
  sn: string
  cabinet: string
  uPosition: string
  iloIp: string
  iloUser: string
  iloPassword: string
  mac1: string
  privateIpv4: string
  mask: string
  gateway: string
  privateIpv6: string
}

/** createDevice's body: one device by form (empty optional fields left out). */
export function deviceBody(idcId: string, form: DeviceForm) {
  const device: Record<string, string> = {}
  for (const [key, value] of Object.entries(form)) {
    if (value.trim() !== '') device[key] = value.trim()
  }
  return { idcId, devices: [device] }
}

export function deviceRules(t: Translate) {
  const r = commonRules(t)
  return {
    sn: check((v) => v.length <= 64 && SN.test(v), () => t('rules.sn')),
    iloIp: r.required(),
    mac1: r.required(),
    privateIpv4: r.required(),
    mask: r.required(),
    gateway: r.required(),
  }
}

// -- images -----------------------------------------------------------------------------------

export function imageRules(t: Translate) {
  const r = commonRules(t)
  return {
    imageName: r.visible(200),
    architecture: r.required(),
    osType: r.visible(64),
    version: r.visible(64),
    format: r.required(),
    bootMode: r.required(),
    filename: check((v) => FILENAME.test(v), () => t('rules.filename')),
    url: check((v) => v.length <= 1024 && IMAGE_URL.test(v), () => t('rules.url')),
    hash: check((v) => HASH.test(v), () => t('rules.hash')),
  }
}

/** An upload the BFF takes (its KINDS): .tar.xz and .tar.gz are tar images, .qcow2 qcow2. */
export function imageFormatOf(fileName: string): 'tar' | 'qcow2' | '' {
  const name = fileName.toLowerCase()
  if (/.\.tar\.(xz|gz)$/.test(name)) return 'tar'
  if (/.\.qcow2$/.test(name)) return 'qcow2'
  return ''
}
