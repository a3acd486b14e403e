import { startConsole } from '@bmp/web-common/app'
import enUS from './locales/en-US'
import zhCN from './locales/zh-CN'
import { createOperationRouter } from './router'

startConsole({
  // operation-api under /operation-web/ (its account at upstream's /user/local).
  client: { baseUrl: '/operation-web', csrfCookie: 'bmp_operation_csrftoken', userPath: '/user/local' },
  messages: { 'zh-CN': zhCN, 'en-US': enUS },
  router: createOperationRouter,
})
