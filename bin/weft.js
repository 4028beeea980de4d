#!/usr/bin/env node
// The weft command. Sources are TypeScript, loaded through tsx so that `npx weft` needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
