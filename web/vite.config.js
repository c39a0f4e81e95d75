// Vite build of the kechan web app into web/dist (served by the kechan binary). The dev server
// proxies the API to the binary at 127.0.0.1:8080 (override with KECHAN_BACKEND).
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const backend = process.env.KECHAN_BACKEND || 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  base: '/',
  define: {
    // vue-i18n feature flags (composition API only; no devtools in production).
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': { target: backend, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1100,
    rollupOptions: {
      output: {
        // Split the big libraries so that no single chunk is enormous and they cache separately.
        manualChunks(id) {
          if (!id.includes('node_modules')) {
            return undefined;
          }
          if (id.includes('/echarts/') || id.includes('/zrender/')) {
            return 'echarts';
          }
          if (id.includes('/element-plus/') || id.includes('/@element-plus/')) {
            return 'element-plus';
          }
          return 'vendor';
        },
      },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.js'],
  },
});
