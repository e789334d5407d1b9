/** "Open with Warpdesk" on .csv files: paths from a command line, imported through the host, refusals as sentences. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from './capabilities';
import { csvPathsFromArgv, importCsvFiles } from './open-files';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wd-open-files-'));
const ws = openWorkspace({ dataDir: path.join(tmp, 'ws'), samples: false });
afterAll(async () => {
  await ws.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('open with Warpdesk', () => {
  it('takes the .csv paths from a command line, resolved against its folder', () => {
    expect(csvPathsFromArgv(['.', '--no-sandbox', 'prices.CSV', '/data/b.csv', 'notes.txt'], '/home/u')).toEqual(['/home/u/prices.CSV', '/data/b.csv']);
  });

  it('imports each file as a data set named after it, and says why one is refused', async () => {
    const good = path.join(tmp, 'eurusd hourly.csv');
    fs.copyFileSync(path.resolve(__dirname, '../../../resources/data/msft_daily_2000_2001.csv'), good);
    const bad = path.join(tmp, 'broken.csv');
    fs.writeFileSync(bad, 'time,open,high,low,close\n2020-01-01,1,0.9,1.1,1\n');
    const results = await importCsvFiles(ws.host, [good, bad, path.join(tmp, 'missing.csv')]);
    expect(results[0]).toMatchObject({ ok: true, dataset: { name: 'eurusd hourly' } });
    expect(results[1]).toMatchObject({ ok: false });
    expect(results[1]!.ok ? '' : results[1]!.message).toMatch(/^broken\.csv: .+/);
    expect(results[2]!.ok ? '' : results[2]!.message).toContain(path.join(tmp, 'missing.csv'));
    expect(ws.data.list().map((d) => d.name)).toEqual(['eurusd hourly']);
  });
});
