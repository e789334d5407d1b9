/**
 * The import dialog's channels through the host, as the renderer calls them: datasets:preview (no storing),
 * datasets:import with a mapping and a date order, and a re-import refused with the existing data set's id.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNELS, type CsvPreview, type ImportResult } from '../../shared/contract';
import { openWorkspace } from '../host/capabilities';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warpdesk-import-contract-'));
const ws = openWorkspace({ dataDir: dir, samples: false });
afterAll(async () => {
  await ws.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const csv = 'Datum;DAX;SMI\n01.02.2001;6.000,5;8.000\n02.02.2001;6.100;\n05.02.2001;6.050;8.100\n';

describe('datasets:preview and datasets:import through the host', () => {
  it('preview: columns, roles, formats and what the import would give, validated against the contract', async () => {
    const r = await ws.host.invoke('datasets:preview', { csv, rows: 2 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(CHANNELS['datasets:preview'].response.safeParse(r.value).success).toBe(true);
    expect(r.value).toMatchObject({
      delimiter: ';',
      decimal: ',',
      hasHeader: true,
      dateOrder: 'dmy',
      rows: [
        ['01.02.2001', '6.000,5', '8.000'],
        ['02.02.2001', '6.100', ''],
      ],
      columns: [
        { name: 'Datum', role: 'date' },
        { name: 'DAX', role: null, numeric: true },
        { name: 'SMI', role: null, numeric: true },
      ],
      result: { ok: false, error: { code: 'InvalidCsv' } },
    });
    const mapped = await ws.host.invoke('datasets:preview', { csv, options: { columns: { close: 2 } } });
    expect(mapped.ok && mapped.value).toMatchObject({ columns: [{ role: 'date' }, { role: null }, { role: 'close' }], result: { ok: true, barCount: 2, skippedRows: 1, duplicateOf: null } });
  });

  it('import takes the mapping, reports what it adjusted, and refuses the same series again with its id', async () => {
    const r = await ws.host.invoke('datasets:import', { name: 'SMI', csv, options: { columns: { close: 'SMI' } } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const first = { value: r.value as ImportResult };
    expect(first.value).toMatchObject({ name: 'SMI', barCount: 2, closeOnly: true, skippedRows: 1, reversed: false, notes: ['Skipped 1 row without prices (line 3).'] });
    const again = await ws.host.invoke('datasets:import', { name: 'SMI again', csv, options: { columns: { close: 'SMI' } } });
    expect(again).toMatchObject({ ok: false, error: { code: 'Conflict', details: { datasetId: first.value.id, name: 'SMI' } } });
    const p = await ws.host.invoke('datasets:preview', { csv, options: { columns: { close: 'SMI' } } });
    const preview = p.ok ? (p.value as CsvPreview) : undefined;
    expect(preview?.result.ok && preview.result.duplicateOf?.id).toBe(first.value.id);
    const dax = await ws.host.invoke('datasets:import', { name: 'DAX', csv, options: { columns: { close: 'DAX' }, dateOrder: 'dmy' } });
    expect(dax).toMatchObject({ ok: true, value: { barCount: 3 } });
  });

  it('rejects a malformed mapping at the boundary', async () => {
    const bad = await ws.host.invoke('datasets:preview', { csv, options: { columns: { price: 'DAX' } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
    const order = await ws.host.invoke('datasets:import', { name: 'x', csv, options: { dateOrder: 'ymd' } });
    expect(order).toMatchObject({ ok: false, error: { code: 'InvalidInput' } });
  });
});
