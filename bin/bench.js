#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.ts (all benchmarks when no name is given).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv.slice(2));
