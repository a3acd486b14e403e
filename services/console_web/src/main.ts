import { startConsole } from '@bmp/web-common/app'
import enUS from './locales/en-US'
import zhCN from './locales/zh-CN'
import { createConsoleRouter } from './router'

startConsole({
  client: { baseUrl: '/console-web', csrfCookie: 'bmp_console_csrftoken' },
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  router: createConsoleRouter,
})
