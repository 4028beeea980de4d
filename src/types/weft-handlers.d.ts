// The user's handlers module, bundled into the worker function: the CDK construct aliases `weft-handlers`
// to the configured file with esbuild, so functions/worker.ts can import it by this fixed name.
declare module 'weft-handlers';
