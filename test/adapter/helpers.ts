/**
 * Shared helpers for the DAP tests: a DebugClient talking to `node dist/cli.js dap`, fixtures, and
 * whether the VM layers (loader, CPU, machine) are built in yet.
 */
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const FIXTURES = path.join(ROOT, 'test/fixtures/adapter');

/** True once src/loader/index.ts (and with it the machine) is part of the build. */
export const HAVE_VM = existsSync(path.join(ROOT, 'src/loader/index.ts')) && existsSync(path.join(ROOT, 'src/vm/cpu/cpu.ts'));

/** A DebugClient for `node dist/cli.js dap` (spawned through the shell, which execs node). */
export function client(): DebugClient {
  const dc = new DebugClient(`exec "${process.execPath}"`, `"${CLI}" dap`, 'x86vm', { shell: true }, true);
  dc.defaultTimeout = 10000;
  return dc;
}

/** Sends a request and returns the error message it must fail with. */
export async function expectError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error('the request succeeded but an error response was expected');
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Launches `program` with the given breakpoints applied during configuration; resolves on the first stop. */
export async function launchAndStop(dc: DebugClient, args: Record<string, unknown>,
  configure: (dc: DebugClient) => Promise<unknown> = async () => undefined): Promise<DebugProtocol.StoppedEvent> {
  await dc.initializeRequest({ adapterID: 'x86vm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const init = dc.waitForEvent('initialized');
  const launched = dc.launchRequest(args as DebugProtocol.LaunchRequestArguments);
  await init;
  await configure(dc);
  await dc.configurationDoneRequest();
  await launched;
  return stopped;
}
