/**
 * The user's API keys (both consoles' personal centre). A new key's token is shown once: the
 * answer to its creation is the only place it exists in the browser, kept here until the
 * dialog closes.
 */
import { defineStore } from 'pinia'
import { apikeyApi, type ApiKey } from '../api/common'

export const useApikeysStore = defineStore('apikeys', {
  state: () => ({
    apikeys: [] as ApiKey[],
    /** The token of the API key just created; null once it has been shown and closed. */
    newToken: null as string | null,
  }),
  actions: {
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
