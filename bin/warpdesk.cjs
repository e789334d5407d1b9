#!/usr/bin/env node
// The `warpdesk` command: runs the TypeScript CLI (src/cli/main.ts) through tsx's loader, so the headless
// commands run exactly the core code the app runs, with no separate build step.
'use strict';
const path = require('node:path');
const { register } = require('tsx/esm/api');
register();
process.env.WARPDESK_CLI_MAIN = '1';
import(require('node:url').pathToFileURL(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).href).catch((err) => {
  process.stderr.write(`warpdesk: ${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
