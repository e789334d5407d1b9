/**
 * "Open with Warpdesk" for .csv files (electron-builder.yml `fileAssociations`): picks the CSV paths out of a
 * command line (Windows and Linux pass the file as an argument; macOS sends `open-file`, which the Electron entry
 * feeds here too) and imports each through the host's `datasets:import`, like *Import CSV…* in the app.
 * Electron-free, so it is tested under Node. Never imports a file that is not a .csv, never throws: each file
 * gets a result with the data set or the sentence that says why it was refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatasetInfo } from '../../shared/contract/data';
import { MAX_IMPORT_BYTES } from '../../shared/contract/data';
import type { Host } from './host';

/** The .csv files named on a command line (flags and the app's own path are skipped). */
export function csvPathsFromArgv(argv: readonly string[], cwd: string = process.cwd()): string[] {
  return argv.filter((a) => !a.startsWith('-') && /\.csv$/i.test(a)).map((a) => path.resolve(cwd, a));
}

export type OpenResult = { file: string; ok: true; dataset: DatasetInfo } | { file: string; ok: false; message: string };

/** Imports each CSV file as a new data set named after the file. */
export async function importCsvFiles(host: Host, files: readonly string[]): Promise<OpenResult[]> {
  const results: OpenResult[] = [];
  for (const file of files) {
    let csv: string;
    try {
      const size = fs.statSync(file).size;
      if (size > MAX_IMPORT_BYTES) {
        results.push({ file, ok: false, message: `${file} is ${Math.round(size / 2 ** 20)} MB; Warpdesk imports CSV files up to ${MAX_IMPORT_BYTES / 2 ** 20} MB.` });
        continue;
      }
      csv = fs.readFileSync(file, 'utf8');
    } catch (err) {
      results.push({ file, ok: false, message: `Warpdesk could not read ${file}: ${err instanceof Error ? err.message : String(err)}.` });
      continue;
    }
    const r = await host.invoke('datasets:import', {
      name:
        path
          .basename(file)
          .replace(/\.csv$/i, '')
          .slice(0, 200) || 'data',
      csv,
    });
    if (r.ok) results.push({ file, ok: true, dataset: r.value as DatasetInfo });
    else results.push({ file, ok: false, message: `${path.basename(file)}: ${r.error.message}` });
  }
  return results;
}
