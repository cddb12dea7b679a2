import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The storefront is served per shop at /s/<slug>/…, so asset URLs cannot be relative to the page:
 * the build puts every asset under the fixed prefix /shop-assets/ (the server serves apps/shop/dist
 * there) and answers /s/:slug/* with dist/index.html. The dev server serves the app at / and falls
 * back to index.html for any path (open http://localhost:5173/s/demo/).
 */
const api = process.env.SIYU_API ?? 'http://127.0.0.1:3000';

export default defineConfig(({ command }) => ({
  base: command === 'build' ? '/shop-assets/' : '/',
  plugins: [react()],
  server: {
    port: Number(process.env.PORT ?? 5173),
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/media': { target: api, changeOrigin: false },
      '/sandbox': { target: api, changeOrigin: false },
      // the tracking API (@siyu/sdk posts to /v1/batch)
      '/v1': { target: api, changeOrigin: false },
    },
  },
  build: {
    target: 'es2020',
    chunkSizeWarningLimit: 700,
  },
}));
