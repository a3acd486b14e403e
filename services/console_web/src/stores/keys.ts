/**
 * The user's SSH keys and API keys. A new API key's token is shown once: the answer to its
 * creation is the only place it exists in the browser, kept here until the dialog closes.
 */
import { apikeyApi, type ApiKey } from '@bmp/web-common/api/common'
import { defineStore } from 'pinia'
import { keypairApi, type SshKey } from '../api'

export const useKeysStore = defineStore('keys', {
  state: () => ({
    sshkeys: [] as SshKey[],
    apikeys: [] as ApiKey[],
    /** The token of the API key just created; null once it has been shown and closed. */
    newToken: null as string | null,
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
    async loadApikeys(): Promise<void> {
      this.apikeys = (await apikeyApi.list({ pageSize: 100 })).apikeys
    },
    async createApikey(name: string, readOnly: boolean): Promise<string> {
      const { token } = await apikeyApi.create(name, readOnly)
      this.newToken = token
      await this.loadApikeys()
      return token
    },
    forgetToken(): void {
      this.newToken = null
    },
    async removeApikey(id: string): Promise<void> {
      await apikeyApi.remove(id)
      await this.loadApikeys()
    },
  },
})
