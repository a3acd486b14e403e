import { describe, expect, it } from 'vitest'
import commonEn from '@bmp/web-common/i18n/en-US'
import commonZh from '@bmp/web-common/i18n/zh-CN'
import { keyPaths, type Messages } from '@bmp/web-common/i18n/index'
import { baseCompile } from '@intlify/message-compiler'
import en from '../src/locales/en-US'
import zh from '../src/locales/zh-CN'

function leaves(messages: Messages, prefix = ''): [string, unknown][] {
  return Object.entries(messages).flatMap(([key, value]) =>
    value && typeof value === 'object' ? leaves(value as Messages, `${prefix}${key}.`) : [[`${prefix}${key}`, value]],
  )
}

describe('both languages say everything', () => {
  it.each([
    ['web_common', commonZh, commonEn],
    ['console_web', zh, en],
  ])('%s: the same keys in zh-CN and en-US', (_name, chinese, english) => {
    expect(keyPaths(chinese as Messages).sort()).toEqual(keyPaths(english as Messages).sort())
  })

  it.each([
    ['zh-CN', { ...commonZh, ...zh }],
    ['en-US', { ...commonEn, ...en }],
  ])('%s: no empty message', (_name, messages) => {
    for (const [key, value] of leaves(messages as Messages)) {
      expect(typeof value === 'string' && value.trim() !== '', key).toBe(true)
    }
  })

  it.each([
    ['zh-CN', { ...commonZh, ...zh }],
    ['en-US', { ...commonEn, ...en }],
  ])('%s: every message compiles (a stray @, | or brace breaks a page)', (_name, messages) => {
    for (const [key, value] of leaves(messages as Messages)) {
      const errors: string[] = []
      baseCompile(String(value), { onError: (error) => errors.push(error.message) })
      expect(errors, key).toEqual([])
    }
  })

  it('the console does not redefine the shared keys', () => {
    expect(Object.keys(zh)).not.toContain('common')
  })
})
