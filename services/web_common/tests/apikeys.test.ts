import { configureClient } from '../src/api/client'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useApikeysStore } from '../src/stores/apikeys'
import { fakeBff, ok } from './fakeFetch'

configureClient({ baseUrl: '/console-web', csrfCookie: 'csrf' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('API keys', () => {
  it("a new key's token is kept until shown, then forgotten; the list never has it", async () => {
    const { sent } = fakeBff({
      'PUT /console-web/apikey': ok({ apikeyId: 'ak-1', token: 'secret-token' }),
      'GET /console-web/apikey': ok({ apikeys: [{ apiKeyId: 'ak-1', name: 'ci', readOnly: 1, token: '******' }], totalCount: 1 }),
    })
    const keys = useApikeysStore()
    await keys.createApikey('ci', true)
    expect(sent[0]!.body).toEqual({ name: 'ci', readOnly: 1, type: 'user' })
    expect(keys.newToken).toBe('secret-token')
    expect(JSON.stringify(keys.apikeys)).not.toContain('secret-token')
    keys.forgetToken()
    expect(keys.newToken).toBeNull()
  })
})
