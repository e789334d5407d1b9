// The desktop app through Playwright's Electron driver. Launches the packaged build when `npm run dist` made one
// (dist/<platform>-unpacked or the macOS .app), else the Electron binary on this checkout. Runs where the Electron
// binary exists; elsewhere (this CI machine cannot download it) it is skipped with the reason.
import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS helper shared with scripts/ (no types to import)
const { electronBinary } = require('../scripts/electron-binary.cjs') as { electronBinary: () => { path?: string; reason?: string } };
const binary = electronBinary();
const root = path.resolve(__dirname, '..');

/** The packaged app's executable from `npm run dist`, if there is one. */
function packagedApp(): string | undefined {
  const dist = path.join(root, 'dist');
  const candidates = [
    path.join(dist, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked', 'warpdesk'),
    path.join(dist, 'win-unpacked', 'Warpdesk.exe'),
    path.join(dist, process.arch === 'arm64' ? 'mac-arm64' : 'mac', 'Warpdesk.app', 'Contents', 'MacOS', 'Warpdesk'),
  ];
  return candidates.find((f) => fs.existsSync(f));
}
if (!binary.path) console.log(`Electron e2e skipped: the Electron binary is not available here (${binary.reason ?? 'unknown'}).`);

test('the desktop app opens on the sample, searches and stays locked down', async () => {
  test.skip(!binary.path, `Electron binary not available here: ${binary.reason ?? ''}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-electron-'));
  const packaged = packagedApp();
  const app = await electron.launch({ executablePath: packaged ?? binary.path!, args: packaged ? [] : [root], env: { ...process.env, WARPDESK_DATA_DIR: dataDir } });
  try {
    const page = await app.firstWindow();
    await expect(page.getByTestId('price-chart')).toHaveAttribute('data-bars', '5550');
    // The renderer has no Node: no require, no process.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    // Only the bridge is exposed, not ipcRenderer.
    expect(await page.evaluate(() => Object.keys((globalThis as { warpdeskBridge?: object }).warpdeskBridge ?? {}).sort())).toEqual(['host', 'invoke', 'onEvent']);
    await page.getByTestId('run-search').click();
    await expect(page.getByTestId('match-row')).toHaveCount(10);
    await page.screenshot({ path: 'test-results/electron-search.png' });
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
