// Unit tests of the web consoles: stores, form rules, the API client, the locale files.
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['services/*/tests/**/*.test.ts'],
    environment: 'happy-dom',
  },
})
