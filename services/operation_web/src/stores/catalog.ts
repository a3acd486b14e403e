/** The choices many forms and filters offer: the IDCs, the device types, the RAID levels,
 * loaded once per page load (and again after the operator changes them). */
import { defineStore } from 'pinia'
import { deviceTypeApi, idcApi, type DeviceType, type Idc, type Raid } from '../api'

export const useCatalogStore = defineStore('catalog', {
  state: () => ({ idcs: [] as Idc[], deviceTypes: [] as DeviceType[], raids: [] as Raid[] }),
  getters: {
    /** RAID level id → name (RAID0, RAID1, ...). */
    raidNames: (state) => Object.fromEntries(state.raids.map((r) => [r.raidId, r.name])) as Record<string, string>,
  },
  actions: {
    async loadIdcs(force = false): Promise<Idc[]> {
      if (force || !this.idcs.length) this.idcs = (await idcApi.list({ isAll: 1 })).idcs
      return this.idcs
    },
    async loadDeviceTypes(force = false): Promise<DeviceType[]> {
      if (force || !this.deviceTypes.length) this.deviceTypes = (await deviceTypeApi.list({ isAll: 1 })).deviceTypes
      return this.deviceTypes
    },
    async loadRaids(): Promise<Raid[]> {
      if (!this.raids.length) this.raids = (await deviceTypeApi.raids()).raids
      return this.raids
    },
  },
})
