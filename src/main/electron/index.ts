/**
 * The Electron entry: the only place (with the preload) that imports `electron`. It opens the workspace in
 * the user-data folder, creates a locked-down window (contextIsolation, sandbox, no Node, strict CSP, no
 * navigation, no new windows, no permissions) and wires IPC to the Electron-free Host.
 */
import { app, BrowserWindow, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { openWorkspace, type Workspace } from '../host/capabilities';
import { csvPathsFromArgv, importCsvFiles } from '../host/open-files';
import { shippedPath } from '../platform/resources';
import { CONTENT_SECURITY_POLICY } from '../host/security';

app.setName('Warpdesk');
// The same folder the CLI uses by default (src/main/host/workspace.ts), so app and CLI share one workspace.
app.setPath('userData', path.join(app.getPath('appData'), 'Warpdesk'));
let workspace: Workspace | undefined;
let closed = false;

// "Open with Warpdesk" on a .csv (electron-builder.yml fileAssociations): one app instance imports the files,
// from its own command line, a second launch's command line, or macOS's open-file events.
if (!app.requestSingleInstanceLock()) app.quit();
const pendingCsv: string[] = csvPathsFromArgv(process.argv.slice(1));
let openCsvFiles: (files: string[]) => void = (files) => void pendingCsv.push(...files);
app.on('open-file', (e, file) => {
  e.preventDefault();
  openCsvFiles(csvPathsFromArgv([file]));
});
app.on('second-instance', (_e, argv, cwd) => {
  openCsvFiles(csvPathsFromArgv(argv.slice(1), cwd));
  const win = BrowserWindow.getAllWindows()[0];
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

function rendererUrl(): string | undefined {
  return process.env['ELECTRON_RENDERER_URL'];
}

function createWindow(ws: Workspace): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Warpdesk',
    backgroundColor: '#0f1419',
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const wc = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (e) => e.preventDefault());
  wc.on('will-redirect', (e) => e.preventDefault());
  const unsubscribe = ws.host.onEvent((event, payload) => {
    if (!wc.isDestroyed()) wc.send('warpdesk:event', event, payload);
  });
  win.on('closed', unsubscribe);
  const dev = rendererUrl();
  if (dev && !app.isPackaged) void win.loadURL(dev);
  else void win.loadFile(path.join(__dirname, '../renderer/index.html'));
  return win;
}

/** The workspace's secrets sealed by the OS keychain (safeStorage), when it is available. */
function osSecrets(): NonNullable<Parameters<typeof openWorkspace>[0]>['secrets'] {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  return {
    memoryKeyring: {
      seal: (plain) => safeStorage.encryptString(plain.toString('base64')),
      unseal: (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
    },
    swarmIdentity: {
      kind: 'electron-safestorage',
      seal: (plain) => safeStorage.encryptString(Buffer.from(plain).toString('base64')),
      open: (sealed) => Buffer.from(safeStorage.decryptString(Buffer.from(sealed)), 'base64'),
    },
  };
}

void app.whenReady().then(() => {
  try {
    workspace = openWorkspace({
      dataDir: process.env['WARPDESK_DATA_DIR'] ?? app.getPath('userData'),
      resourcesDir: shippedPath('resources'),
      secrets: osSecrets(),
    });
  } catch (err) {
    // e.g. a shipped file or the SQLite binary missing from a broken installation: one sentence, not a blank window
    dialog.showErrorBox('Warpdesk cannot open its workspace', err instanceof Error ? err.message : String(err));
    closed = true;
    app.quit();
    return;
  }
  const ws = workspace;
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  ipcMain.handle('warpdesk:invoke', (event, channel: unknown, request: unknown) => {
    const url = event.senderFrame?.url ?? '';
    if (!url.startsWith('file://') && !(rendererUrl() && url.startsWith(rendererUrl()!))) {
      return { ok: false, error: { code: 'Unauthorized', message: 'Requests are only accepted from the Warpdesk window.' } };
    }
    return ws.host.invoke(channel, request);
  });
  openCsvFiles = (files) => {
    if (files.length === 0) return;
    void importCsvFiles(ws.host, files).then((results) => {
      const refused = results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.message));
      if (refused.length > 0) dialog.showErrorBox('Warpdesk could not import a file', refused.join('\n'));
      // the window lists data sets when it loads: reload it to show the new ones
      if (results.some((r) => r.ok)) for (const w of BrowserWindow.getAllWindows()) w.webContents.reload();
    });
  };
  openCsvFiles(pendingCsv.splice(0));
  createWindow(ws);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(ws);
  });
});

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Close the workspace (stop a hosted swarm, flush SQLite) before the process exits.
app.on('before-quit', (e) => {
  if (closed || !workspace) return;
  e.preventDefault();
  closed = true;
  void workspace.close().finally(() => app.quit());
});
