import 'element-plus/dist/index.css'
import '@bmp/web-common/styles.css'
import { configureClient } from '@bmp/web-common/api/client'
import { setupI18n } from '@bmp/web-common/i18n/index'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import enUS from './locales/en-US'
import zhCN from './locales/zh-CN'
import { createOperationRouter } from './router'

// operation-api under /operation-web/ (its account at upstream's /user/local).
configureClient({ baseUrl: '/operation-web', csrfCookie: 'bmp_operation_csrftoken', userPath: '/user/local' })

const app = createApp(App)
app.use(createPinia())
app.use(setupI18n({ 'zh-CN': zhCN, 'en-US': enUS }))
app.use(createOperationRouter())
app.mount('#app')
