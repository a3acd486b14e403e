/**
 * The create-instance wizard's choices and the request they make. Kept in a store so that going
 * back and forth between the steps keeps what was chosen.
 */
import { defineStore } from 'pinia'
import type { CreateInstanceBody, Partition } from '../api'

export interface WizardChoices {
  projectId: string
  idcId: string
  deviceTypeId: string
  count: number
  imageId: string
  bootMode: string
  systemVolumeRaidId: string
  dataRaids: Record<string, string> // volumeId -> raidId
  partitions: Partition[]
  instanceName: string
  hostname: string
  login: 'password' | 'key'
  password: string
  sshKeyIds: string[]
  installBmpAgent: boolean
  description: string
  userData: string // as typed (a script or cloud-config); sent base64-encoded
}

// contract: InstancePartition (format, point, size in MB) and CreateInstanceRequest's limits
export const PARTITION_FORMATS = ['ext4', 'xfs', 'swap', 'vfat'] as const
export const MOUNT_POINT = /^(swap|\/|(\/([0-9A-Za-z_-]|\.[0-9A-Za-z_-]|\.\.[0-9A-Za-z._-])[0-9A-Za-z._-]*)+)$/
export const MAX_PARTITIONS = 32
export const PARTITION_SIZE = { min: 1, max: 100_000_000 }
export const MAX_USER_DATA = 65536 // characters of the base64 text

export const isMountPoint = (point: string) => point.length <= 255 && MOUNT_POINT.test(point)
export const isPartitionSize = (size: unknown) =>
  typeof size === 'number' && Number.isInteger(size) && size >= PARTITION_SIZE.min && size <= PARTITION_SIZE.max

/** UTF-8 text as base64 (what cloud-init's user data travels as). */
export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  // (in slices: String.fromCharCode takes its arguments on the stack)
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  return btoa(binary)
}

/** The user data as the contract takes it: no NUL, at most 65536 characters once encoded. */
export const isUserData = (text: string) => !text.includes('\0') && toBase64(text).length <= MAX_USER_DATA

export function emptyChoices(): WizardChoices {
  return {
    projectId: '',
    idcId: '',
    deviceTypeId: '',
    count: 1,
    imageId: '',
    bootMode: '',
    systemVolumeRaidId: '',
    dataRaids: {},
    partitions: [],
    instanceName: '',
    hostname: '',
    login: 'password',
    password: '',
    sshKeyIds: [],
    installBmpAgent: false,
    description: '',
    userData: '',
  }
}

/** The createProjectInstance body: only what was chosen, as the contract names it. */
export function createBody(choices: WizardChoices): CreateInstanceBody {
  const body: CreateInstanceBody = {
    idcId: choices.idcId,
    projectId: choices.projectId,
    deviceTypeId: choices.deviceTypeId,
    imageId: choices.imageId,
    systemVolumeRaidId: choices.systemVolumeRaidId,
    instanceName: choices.instanceName,
    count: choices.count,
    installBmpAgent: choices.installBmpAgent,
  }
  if (choices.hostname) body.hostname = choices.hostname
  if (choices.bootMode) body.bootMode = choices.bootMode
  if (choices.description) body.description = choices.description
  if (choices.userData) body.userData = toBase64(choices.userData)
  if (choices.partitions.length) body.systemPartition = choices.partitions.map((p) => ({ ...p }))
  const raids = Object.entries(choices.dataRaids).filter(([, raidId]) => raidId)
  if (raids.length) body.VolumeRaids = raids.map(([volumeId, raidId]) => ({ volumeId, raidId, volumeType: 'data' }))
  if (choices.login === 'password') body.password = choices.password
  else body.sshKeyId = choices.sshKeyIds.join(',')
  return body
}

export const useCreateWizardStore = defineStore('createWizard', {
  state: () => ({ step: 0, choices: emptyChoices() }),
  actions: {
    /** A fresh start; the same choices object (pages hold it), emptied. */
    reset(): void {
      this.step = 0
      Object.assign(this.choices, emptyChoices())
    },
    addPartition(): void {
      if (this.choices.partitions.length < MAX_PARTITIONS) this.choices.partitions.push({ format: 'xfs', point: '', size: 10240 })
    },
    removePartition(index: number): void {
      this.choices.partitions.splice(index, 1)
    },
    /** A new device type: what depended on the old one is chosen again. */
    chooseDeviceType(deviceTypeId: string): void {
      if (this.choices.deviceTypeId === deviceTypeId) return
      Object.assign(this.choices, {
        deviceTypeId,
        imageId: '',
        bootMode: '',
        systemVolumeRaidId: '',
        dataRaids: {},
        partitions: [],
      })
    },
  },
})
