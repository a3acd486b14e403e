/// <reference types="vitest/config" />
/**
 * The Vite settings both consoles build with; an app gives its dev-server port and how `npm run
 * dev` reaches its BFF (its vite.config.ts). Imported by relative path: Vite bundles a config's
 * relative imports, while a package's TypeScript would be left to Node.
 */
import vue from '@vitejs/plugin-vue'
import type { ProxyOptions, UserConfig } from 'vite'

export function consoleConfig({ port, proxy }: { port: number; proxy: Record<string, ProxyOptions> }): UserConfig {
  return {
    plugins: [vue()],
    base: '/',
    server: { port, proxy },
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
  }
}
