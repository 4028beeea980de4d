#!/usr/bin/env node
// The weft command. In this repository it runs the TypeScript sources through tsx, so that `npx weft` and
// `npm start` need no build step; installed from the package it runs the JavaScript built into dist/.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `weft: Node ${process.versions.node} is too old: weft needs Node 22.13 or later (it uses node:sqlite); ` +
      'install Node 22 or 24 and run the command again\n',
  );
  process.exit(1);
}

// tsx is registered either way: it is what loads a user's TypeScript handlers module (`--handlers x.ts`).
const { register } = await import('tsx/esm/api');
register();
const source = new URL('../src/cli/main.ts', import.meta.url);
const { main } = await import(existsSync(source) ? source.href : '../dist/src/cli/main.js');
const code = await main(process.argv);
// The command is done and its output written: exit now, so an attempt abandoned past its timeout (a handler
// that ignores its signal) cannot keep the process alive after the run is final.
// Empty writes call back once everything written before them is flushed (stdout may be a pipe).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
