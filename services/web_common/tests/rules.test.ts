import { describe, expect, it } from 'vitest'
import { isHostname, isInstanceName, isName, isPassword, isSshKey, isVisible, rules } from '../src/rules/index'

describe('form rules check what the contract checks', () => {
  it('passwords: 8-30 printable characters with three kinds', () => {
    expect(isPassword('Root-Pass-2026')).toBe(true)
    expect(isPassword('abcDEF12')).toBe(true)
    expect(isPassword('abcdefgh')).toBe(false) // one kind
    expect(isPassword('abcdEFGH')).toBe(false) // two kinds
    expect(isPassword('Ab1-')).toBe(false) // too short
    expect(isPassword('Ab1-'.repeat(8))).toBe(false) // 32: too long
    expect(isPassword('Abc 1234')).toBe(false) // a space
  })

  it('project and API key names: letters, digits, Chinese, _ and -', () => {
    expect(isName('web-prod_01')).toBe(true)
    expect(isName('生产项目')).toBe(true)
    expect(isName('')).toBe(false)
    expect(isName('a b')).toBe(false)
    expect(isName('x'.repeat(65))).toBe(false)
  })

  it('instance names also take . and :', () => {
    expect(isInstanceName('db:01.eu')).toBe(true)
    expect(isInstanceName('db/01')).toBe(false)
    expect(isInstanceName('x'.repeat(129))).toBe(false)
  })

  it('host names: lower case, may be empty (the platform names it)', () => {
    expect(isHostname('')).toBe(true)
    expect(isHostname('web-01.example')).toBe(true)
    expect(isHostname('Web')).toBe(false)
    expect(isHostname('-web')).toBe(false)
    expect(isHostname('web-')).toBe(false)
  })

  it('SSH keys: one line of a known type', () => {
    expect(isSshKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9e me@host')).toBe(true)
    expect(isSshKey('ssh-dss AAAAB3NzaC1kc3MAAACBAP')).toBe(false)
    expect(isSshKey('ssh-ed25519')).toBe(false)
    expect(isSshKey('ssh-ed25519 AAAA\nssh-rsa BBBB')).toBe(false)
  })

  it('text needs a visible character', () => {
    expect(isVisible('key 1', 64)).toBe(true)
    expect(isVisible('   ', 64)).toBe(false)
    expect(isVisible('x'.repeat(65), 64)).toBe(false)
  })

  it('a rule answers in the translated words', async () => {
    const t = (key: string) => `<${key}>`
    const [, check] = rules(t).password()
    const error = await new Promise<Error | undefined>((resolve) =>
      (check!.validator as (r: unknown, v: unknown, cb: (e?: Error) => void) => void)({}, 'weak', resolve),
    )
    expect(error?.message).toBe('<common.rules.password>')
  })
})
