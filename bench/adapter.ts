/**
 * Debug adapter latencies (SPEC §9), measured through the real DAP session (X86DebugSession) over
 * in-process streams, so that the figures are the adapter's and not node's start-up:
 * - launch to first stop (launch request → `stopped` event, stopOnEntry, a small boot sector): goal < 300 ms
 * - step round trip (`stepIn` with instruction granularity → `stopped`): goal < 2 ms
 * - pause latency while the guest spins (`pause` → `stopped`): goal < 50 ms
 * `ratio` is value / goal (below 1 meets the goal).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { X86DebugSession } from '../src/adapter/session';
import { linkedLoadProgram } from '../src/cli/link';
import { median } from './stats';
import type { BenchOptions, BenchRow } from './types';

/** The same program assembled (nasm -f bin): xor ax, ax / inc ax / jmp $-1, boot signature. */
function spinImage(): Uint8Array {
  const img = new Uint8Array(512);
  img.set([0x31, 0xc0, 0x40, 0xeb, 0xfd]);
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

const SPIN = ['bits 16', 'org 0x7c00', 'start:', '    xor ax, ax', '.l:', '    inc ax', '    jmp .l', 'times 510-($-$$) db 0', 'dw 0xaa55', ''].join('\n');

interface Msg {
  type: string;
  seq: number;
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
}

/** A minimal DAP client talking to an in-process session. */
class InProcessClient {
  private readonly toAdapter = new PassThrough();
  private readonly fromAdapter = new PassThrough();
  private buf = Buffer.alloc(0);
  private seq = 1;
  private readonly pending = new Map<number, (m: Msg) => void>();
  private readonly waiters: Array<{ event: string; resolve: (m: Msg) => void }> = [];
  readonly session: X86DebugSession;

  constructor() {
    this.session = new X86DebugSession(linkedLoadProgram);
    this.session.setRunAsServer(true);
    this.session.start(this.toAdapter, this.fromAdapter);
    this.fromAdapter.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const i = this.buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      const m = /Content-Length: (\d+)/.exec(this.buf.subarray(0, i).toString());
      const n = m ? Number(m[1]) : 0;
      if (this.buf.length < i + 4 + n) return;
      const msg = JSON.parse(this.buf.subarray(i + 4, i + 4 + n).toString()) as Msg;
      this.buf = this.buf.subarray(i + 4 + n);
      if (msg.type === 'response') {
        const p = this.pending.get(msg.request_seq as number);
        this.pending.delete(msg.request_seq as number);
        p?.(msg);
      } else if (msg.type === 'event') {
        const w = this.waiters.findIndex((x) => x.event === msg.event);
        if (w >= 0) this.waiters.splice(w, 1)[0].resolve(msg);
      }
    }
  }

  request(command: string, args: Record<string, unknown> = {}): Promise<Msg> {
    const seq = this.seq++;
    const json = JSON.stringify({ seq, type: 'request', command, arguments: args });
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (m) => (m.success ? resolve(m) : reject(new Error(`${command}: ${m.message}`))));
      this.toAdapter.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
    });
  }

  event(name: string, ms = 10000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${name} event within ${ms} ms`)), ms);
      this.waiters.push({ event: name, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  close(): void {
    this.session.runtime.dispose();
    this.toAdapter.end();
  }
}

function row(name: string, value: number, goal: number, note: string): BenchRow {
  return { suite: 'adapter', name, value, unit: 'ms', ratio: value / goal, note: `goal < ${goal} ms; ${note}` };
}

export async function benchAdapter(_options?: BenchOptions): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'x86vm-bench-adapter-'));
  const source = path.join(dir, 'spin.asm');
  writeFileSync(source, SPIN);
  const image = path.join(dir, 'spin.img');
  writeFileSync(image, spinImage());
  const rows: BenchRow[] = [];
  try {
    // Launch to first stop (median of 5 sessions each): the boot image, and the .asm source (F5).
    let c: InProcessClient | null = null;
    for (const [program, what] of [[source, 'spin.asm, assembled at launch'], [image, 'spin.img boot sector']]) {
      const launches: number[] = [];
      for (let i = 0; i < 5; i++) {
        c?.close();
        c = new InProcessClient();
        await c.request('initialize', { adapterID: 'x86vm', pathFormat: 'path' });
        const t0 = performance.now();
        const stopped = c.event('stopped');
        const init = c.event('initialized');
        const launched = c.request('launch', { program, stopOnEntry: true });
        await Promise.race([init, launched]);
        await c.request('configurationDone');
        await launched;
        await stopped;
        launches.push(performance.now() - t0);
      }
      rows.push(row(`launch to first stop (${program.endsWith('.asm') ? '.asm' : 'image'})`, median(launches), 300, `median of ${launches.length}, ${what}, 64 MiB guest, stopOnEntry`));
    }
    const client = c as InProcessClient;

    // Step round trip (instruction steps).
    const steps: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const stopped = client.event('stopped');
      await client.request('stepIn', { threadId: 1, granularity: 'instruction' });
      await stopped;
      steps.push(performance.now() - t0);
    }
    rows.push(row('step round trip', median(steps), 2, `median of ${steps.length} instruction steps (stepIn → stopped)`));

    // Pause latency while the guest spins.
    const pauses: number[] = [];
    for (let i = 0; i < 7; i++) {
      await client.request('continue', { threadId: 1 });
      await new Promise((r) => setTimeout(r, 40));
      const t0 = performance.now();
      const stopped = client.event('stopped');
      await client.request('pause', { threadId: 1 });
      await stopped;
      pauses.push(performance.now() - t0);
    }
    rows.push(row('pause latency while the guest spins', Math.max(...pauses), 50, `worst of ${pauses.length} (median ${median(pauses).toFixed(2)} ms)`));
    client.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) process.stderr.write(`adapter: ${r.name}: ${r.value.toFixed(2)} ms (${r.note})\n`);
  return rows;
}
