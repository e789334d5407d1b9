/**
 * Runs the `warpdesk` CLI from its TypeScript sources in a child process, for tests: `node <cliArgs(...)>`.
 * bin/warpdesk.cjs runs the compiled out/main/cli.js, which may be stale or absent while vitest runs the
 * sources; tests that start the CLI as a process use this instead, so they test the code they sit beside.
 * The packaged and production-install CLI is tested from compiled files by test/packaging.test.ts.
 * Test-only: needs tsx (a dev dependency).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

/** src/cli/main.ts: it runs itself when it is the main module. */
export const CLI_SOURCE = path.join(__dirname, '..', 'main.ts');

/** Arguments for `process.execPath`: tsx's require hook, the CLI source, then the command line. */
export function cliArgs(...args: string[]): string[] {
  return ['--require', createRequire(CLI_SOURCE).resolve('tsx/cjs'), CLI_SOURCE, ...args];
}
