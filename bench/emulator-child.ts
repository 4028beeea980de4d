/**
 * The engine benchmark's emulators in a process of their own (`--emulators child`): starts dynalite and
 * fauxqs on 127.0.0.1, tells the parent their endpoints, and answers its requests to start and stop
 * counting with the requests received and the CPU this process used meanwhile.
 */
import type { ChildReply, ChildRequest, EmulatorHost } from './emulator-host.ts';
import { startEmulatorsInProcess } from './emulator-host.ts';

function reply(message: ChildReply): void {
  process.send?.(message);
}

let host: EmulatorHost;
try {
  host = await startEmulatorsInProcess();
} catch (error) {
  reply({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
let cpuAtStart = process.cpuUsage();
process.on('message', async (request: ChildRequest) => {
  if (request.command === 'start') {
    await host.startCounting();
    cpuAtStart = process.cpuUsage();
    reply({ kind: 'reply', id: request.id });
  } else if (request.command === 'stop') {
    const cpu = process.cpuUsage(cpuAtStart);
    const counts = await host.stopCounting();
    reply({ kind: 'reply', id: request.id, counts: { ...counts, cpuMs: (cpu.user + cpu.system) / 1000 } });
  } else {
    await host.close();
    reply({ kind: 'reply', id: request.id });
    process.disconnect();
  }
});
reply({ kind: 'ready', dynamodbEndpoint: host.dynamodbEndpoint, sqsEndpoint: host.sqsEndpoint });
