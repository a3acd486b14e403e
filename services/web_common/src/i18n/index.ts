/**
 * vue-i18n for both consoles: two languages, the choice kept in the `X-Jdcloud-Language` cookie
 * (`zh_CN` / `en_US`), which the BFF reads for its own and openapi's messages. An app passes its
 * messages (keys by page: `instance.list.title`); the shared ones live under `common.`.
 */
import { createI18n, type I18nOptions } from 'vue-i18n'
import { readCookie, writeCookie } from '../api/client'
import commonEn from './en-US'
import commonZh from './zh-CN'

export const LANGUAGE_COOKIE = 'X-Jdcloud-Language'
export type Language = 'zh_CN' | 'en_US'
export type Locale = 'zh-CN' | 'en-US'
export const LANGUAGES: readonly Language[] = ['zh_CN', 'en_US']

export function localeOf(language: Language): Locale {
  return language === 'zh_CN' ? 'zh-CN' : 'en-US'
}

export function languageOf(locale: string): Language {
  return locale === 'zh-CN' ? 'zh_CN' : 'en_US'
}

/** The language in the cookie, else the browser's (Chinese or English). */
export function initialLanguage(): Language {
  const kept = readCookie(LANGUAGE_COOKIE)
  if (kept === 'zh_CN' || kept === 'en_US') return kept
  const browser = typeof navigator === 'undefined' ? '' : navigator.language
  return browser.toLowerCase().startsWith('zh') ? 'zh_CN' : 'en_US'
}

export type Messages = Record<string, unknown>

function merge(base: Messages, extra: Messages): Messages {
  const out: Messages = { ...base }
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key]
    out[key] =
      current && typeof current === 'object' && value && typeof value === 'object'
        ? merge(current as Messages, value as Messages)
        : value
  }
  return out
}

export function setupI18n(app: { 'zh-CN': Messages; 'en-US': Messages }) {
  const language = initialLanguage()
  const options = {
    legacy: false as const,
    locale: localeOf(language),
    fallbackLocale: 'en-US',
    missingWarn: false,
    fallbackWarn: false,
    messages: {
      'zh-CN': merge(commonZh, app['zh-CN']),
      'en-US': merge(commonEn, app['en-US']),
    },
    datetimeFormats: {
      'zh-CN': { short: { dateStyle: 'medium', timeStyle: 'short' } },
      'en-US': { short: { dateStyle: 'medium', timeStyle: 'short' } },
    },
  }
  // Messages are plain nested objects: vue-i18n's message-schema typing is not used.
  const i18n = createI18n(options as unknown as I18nOptions & { legacy: false })
  document.documentElement.lang = localeOf(language)
  return i18n
}

/** Switches the language of the page (`locale`: the global composer's, `useI18n().locale`)
 * and of the BFF's answers (the cookie). */
export function setLanguage(locale: { value: string }, language: Language): void {
  writeCookie(LANGUAGE_COOKIE, language)
  locale.value = localeOf(language)
  document.documentElement.lang = localeOf(language)
}

/** Every key path of a message tree: the two languages must have the same (tested). */
export function keyPaths(messages: Messages, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    value && typeof value === 'object'
      ? keyPaths(value as Messages, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  )
}
