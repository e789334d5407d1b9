#!/usr/bin/env node
// The `warpdesk` command: runs the compiled CLI (out/main/cli.js, built from src/cli/main.ts by
// `npm run build`), so a production install needs no TypeScript tooling. Tests run the TypeScript CLI directly
// (src/cli/testing/cli-process.ts); this file only ever runs compiled code.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`warpdesk: the CLI is not built (${cli} does not exist); run "npm run build" in ${path.join(__dirname, '..')}.\n`);
  process.exit(1);
}
require(cli).runFromProcess();
