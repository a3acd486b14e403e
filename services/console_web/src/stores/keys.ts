/** The user's SSH keys (the API keys are web_common's `useApikeysStore`). */
import { defineStore } from 'pinia'
import { keypairApi, type SshKey } from '../api'

export const useKeysStore = defineStore('keys', {
  state: () => ({
    sshkeys: [] as SshKey[],
  }),
  actions: {
    async loadSshkeys(): Promise<void> {
      this.sshkeys = (await keypairApi.list({ pageSize: 100 })).sshkeys
    },
    async createSshkey(name: string, key: string): Promise<void> {
      await keypairApi.create(name.trim(), key.trim())
      await this.loadSshkeys()
    },
    async renameSshkey(id: string, name: string): Promise<void> {
      await keypairApi.rename(id, name)
      await this.loadSshkeys()
    },
    async removeSshkey(id: string): Promise<void> {
      await keypairApi.remove(id)
      await this.loadSshkeys()
    },
  },
})
