import { defineConfig } from 'vite'
import { consoleConfig } from '../web_common/vite.base'

// The BFF (operation-api) is reached under /operation-web/ and /oob-alert/ as behind nginx;
// `npm run dev` proxies them to BMP_OPERATION_API_URL (default the local runtime's 8799).
const bff = process.env.BMP_OPERATION_API_URL ?? 'http://127.0.0.1:8799'

export default defineConfig(
  consoleConfig({
    port: 18101,
    proxy: {
      '/operation-web': { target: bff, rewrite: (path) => path.replace(/^\/operation-web/, '') },
      '/oob-alert': { target: bff },
    },
  }),
)
