/**
 * How both consoles start: Element Plus's styles and ours, the API client pointed at the app's
 * BFF, Pinia, vue-i18n with the app's messages over the shared ones, the app's router (with the
 * session guard) and the shared root component.
 */
import 'element-plus/dist/index.css'
import './styles.css'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import type { Router } from 'vue-router'
import { configureClient, type ClientOptions } from './api/client'
import AppRoot from './components/AppRoot.vue'
import { setupI18n, type Messages } from './i18n/index'

export interface ConsoleOptions {
  client: ClientOptions
  /** The app's messages; they must have `app.title` (the tab's and the header's title). */
  messages: { 'zh-CN': Messages; 'en-US': Messages }
  router: () => Router
  element?: string
}

export function startConsole({ client, messages, router, element = '#app' }: ConsoleOptions): void {
  configureClient(client)
  const app = createApp(AppRoot)
  app.use(createPinia())
  app.use(setupI18n(messages))
  app.use(router())
  app.mount(element)
}
