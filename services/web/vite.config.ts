/**
 * Vite builds the console (client/) into dist/client. `@kelmah/sdk` is resolved from its sources
 * (the `development` export condition, as everywhere in this repository), so the app always has
 * the SDK of this checkout. The `ws` package — the SDK's fallback for Node without a global
 * WebSocket — is never loaded in a browser; it is replaced by an empty module so it adds no bytes.
 */
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: {
    conditions: ['development', ...defaultClientConditions],
    alias: { ws: fileURLToPath(new URL('./client/src/no-ws.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5000', '/ws': { target: 'ws://127.0.0.1:5000', ws: true } } },
})
