// End-to-end tests: the browser host in Debian's Chromium (always), and the Electron app where its binary
// exists. Never downloads a browser (`npx playwright install` is not used).
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/playwright',
  timeout: 90_000,
  // Every wait is on a condition; 20 s leaves room for a loaded 2-core machine (loading 62,496 bars, a build).
  expect: { timeout: 20_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    viewport: { width: 1440, height: 860 },
    launchOptions: { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
});
