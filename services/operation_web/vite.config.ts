/// <reference types="vitest/config" />
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The BFF (operation-api) is reached under /operation-web/ and /oob-alert/ as behind nginx;
// `npm run dev` proxies them to BMP_OPERATION_API_URL (default the local runtime's 8799).
const bff = process.env.BMP_OPERATION_API_URL ?? 'http://127.0.0.1:8799'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  server: {
    port: 18101,
    proxy: {
      '/operation-web': { target: bff, rewrite: (path) => path.replace(/^\/operation-web/, '') },
      '/oob-alert': { target: bff },
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
