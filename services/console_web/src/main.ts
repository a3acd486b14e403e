import 'element-plus/dist/index.css'
import '@bmp/web-common/styles.css'
import { configureClient } from '@bmp/web-common/api/client'
import { setupI18n } from '@bmp/web-common/i18n/index'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import enUS from './locales/en-US'
import zhCN from './locales/zh-CN'
import { createConsoleRouter } from './router'

configureClient({ baseUrl: '/console-web', csrfCookie: 'bmp_console_csrftoken' })

const app = createApp(App)
app.use(createPinia())
app.use(setupI18n({ 'zh-CN': zhCN, 'en-US': enUS }))
app.use(createConsoleRouter())
app.mount('#app')
