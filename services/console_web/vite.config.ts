import { defineConfig } from 'vite'
import { consoleConfig } from '../web_common/vite.base'

// The BFF (console-api) is reached under /console-web/ as behind nginx; `npm run dev` proxies
// it to BMP_CONSOLE_API_URL (default the local runtime's 127.0.0.1:8800).
const bff = process.env.BMP_CONSOLE_API_URL ?? 'http://127.0.0.1:8800'

export default defineConfig(
  consoleConfig({
    port: 18100,
    proxy: {
      '/console-web': { target: bff, rewrite: (path) => path.replace(/^\/console-web/, '') },
    },
  }),
)
