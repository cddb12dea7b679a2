import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const target = process.env.SIYU_API ?? 'http://127.0.0.1:3000';
const proxy = Object.fromEntries(['/api', '/media', '/sandbox'].map((p) => [p, { target, changeOrigin: false }]));

/** The console is served by the server under /admin/; in dev, API calls go to the running server. */
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  server: { port: 5173, proxy },
  preview: { port: 4173, proxy },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
});
