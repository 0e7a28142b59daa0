import { register } from 'node:module';
import { defineConfig } from '@playwright/test';

// The Node side of the browser tests imports engine code (tests/browser/train.spec.ts computes reference
// losses in Node), whose `.wat` imports need the module hook the CLI uses. This file is loaded in every
// test worker process too, so the hook is registered there as well.
register('./scripts/raw-loader.mjs', import.meta.url);

// Debian's Chromium (never a downloaded browser). SwiftShader gives WebGPU without a GPU once
// --enable-unsafe-webgpu is passed; the rest keeps Chromium off the (closed) network.
export const chromiumArgs = [
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// PW_PORT: another port for the preview server, so two checkouts can run their browser tests at once.
const port = Number(process.env.PW_PORT ?? 4173);

export default defineConfig({
  testDir: 'tests/browser',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs },
  },
  webServer: {
    // The built bundle is what users get; building here also checks worker and ?raw bundling.
    command: `npx vite build --logLevel warn && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
  },
});
