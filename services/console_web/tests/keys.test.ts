import { configureClient } from '@bmp/web-common/api/client'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeBff, ok } from '../../web_common/tests/fakeFetch'
import { useKeysStore } from '../src/stores/keys'

configureClient({ baseUrl: '/console-web', csrfCookie: 'csrf' })
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('SSH keys', () => {
  it('are sent trimmed and the list read again', async () => {
    const { sent } = fakeBff({
      'PUT /console-web/keypair': ok({ sshkeyId: 'sk-1' }),
      'GET /console-web/keypair': ok({ sshkeys: [{ sshkeyId: 'sk-1', name: 'laptop' }], totalCount: 1 }),
    })
    const keys = useKeysStore()
    await keys.createSshkey(' laptop ', 'ssh-ed25519 AAAA me\n')
    expect(sent[0]!.body).toEqual({ name: 'laptop', key: 'ssh-ed25519 AAAA me' })
    expect(keys.sshkeys.map((k) => k.name)).toEqual(['laptop'])
  })
})
