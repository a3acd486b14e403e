/// <reference types="vitest/config" />
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The BFF (console-api) is reached under /console-web/ as behind nginx; `npm run dev` proxies
// it to BMP_CONSOLE_API_URL (default the local runtime's 127.0.0.1:8800).
const bff = process.env.BMP_CONSOLE_API_URL ?? 'http://127.0.0.1:8800'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  server: {
    port: 18100,
    proxy: {
      '/console-web': { target: bff, rewrite: (path) => path.replace(/^\/console-web/, '') },
    },
  },
  build: {
    // Each page is its own chunk (router: () => import(...)); these libraries are shared ones.
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          return undefined
        },
      },
    },
    chunkSizeWarningLimit: 1024,
    // .vite/manifest.json: what each chunk imports, for the initial-route size check.
    manifest: true,
  },
  test: {
    environment: 'happy-dom',
  },
})
