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
}

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
