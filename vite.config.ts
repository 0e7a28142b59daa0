import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the dev server, the build and the test projects.
// unit: pure engine/state tests in Node (fast, no GPU).
// gpu:  WGSL kernels executed in Node through the `webgpu` package on SwiftShader;
//       run via scripts/with-swiftshader.mjs, which sets VK_ICD_FILENAMES before the process starts.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    // The app, plus the in-browser kernel checks page used by tests/browser/kernels.spec.ts.
    rollupOptions: { input: { main: 'index.html', kernels: 'tests/browser/pages/kernels.html' } },
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          // One Dawn instance per process: forks keep the native addon out of worker threads.
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
