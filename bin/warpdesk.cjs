#!/usr/bin/env node
// The `warpdesk` command: runs the TypeScript CLI (src/cli/main.ts) through tsx's require hook, so the
// headless commands run exactly the core code the app runs, with no separate build step.
'use strict';
const path = require('node:path');
require('tsx/cjs');
require(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).runFromProcess();
