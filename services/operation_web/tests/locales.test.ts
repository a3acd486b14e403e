import { baseCompile } from '@intlify/message-compiler'
import { keyPaths, type Messages } from '@bmp/web-common/i18n/index'
import commonEn from '@bmp/web-common/i18n/en-US'
import commonZh from '@bmp/web-common/i18n/zh-CN'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from '../src/locales/en-US'
import zh from '../src/locales/zh-CN'

function leaves(messages: Messages, prefix = ''): [string, unknown][] {
  return Object.entries(messages).flatMap(([key, value]) =>
    value && typeof value === 'object' ? leaves(value as Messages, `${prefix}${key}.`) : [[`${prefix}${key}`, value]],
  )
}

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name)
    return statSync(path).isDirectory() ? sources(path) : /\.(vue|ts)$/.test(name) ? [path] : []
  })
}

describe('the operators’ console says everything in both languages', () => {
  it('the same keys in zh-CN and en-US', () => {
    expect(keyPaths(zh as Messages).sort()).toEqual(keyPaths(en as Messages).sort())
  })

  it.each([
    ['zh-CN', { ...commonZh, ...zh }],
    ['en-US', { ...commonEn, ...en }],
  ])('%s: no empty message, and every message compiles', (_name, messages) => {
    for (const [key, value] of leaves(messages as Messages)) {
      expect(typeof value === 'string' && value.trim() !== '', key).toBe(true)
      const errors: string[] = []
      baseCompile(String(value), { onError: (error) => errors.push(error.message) })
      expect(errors, key).toEqual([])
    }
  })

  it('every literal key the pages ask for exists', () => {
    const known = new Set([...keyPaths(en as Messages), ...keyPaths(commonEn as Messages)])
    const asked = new Set<string>()
    for (const file of sources(join(__dirname, '..', 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\('([A-Za-z0-9_.]+)'/g)) asked.add(match[1]!)
    }
    const missing = [...asked].filter((key) => !known.has(key))
    expect(missing).toEqual([])
    expect(asked.size).toBeGreaterThan(100)
  })

  it('does not redefine the shared keys', () => {
    expect(Object.keys(zh)).not.toContain('common')
  })
})
