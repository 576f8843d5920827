// The "VM Breakpoints" TreeDataProvider (src/extension/breakpointsView.ts) driven against a real
// debug adapter running in-process, the way the extension runs it (X86DebugSession as an inline
// adapter: handleMessage / onDidSendMessage), with the few `vscode` API classes the view uses
// stubbed. Oracle: the guest itself (test/fixtures/adapter/hitspc.asm, 12 iterations, SI =
// iteration): a breakpoint disabled from the view no longer stops it, the hit window shown is the
// one the machine applies (stops at hit 5 with SI = 5), a breakpoint removed from the view is gone
// from the machine and reported to VS Code as removed, and the guest then runs to its exit status.
import { strict as assert } from 'node:assert';
import Module from 'node:module';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { X86DebugSession } from '../../src/adapter/session';
import { linkedLoadProgram } from '../../src/cli/link';
import { bootProgram, fixture, HAVE_VM, lineOf } from '../adapter/helpers';

// ---- the vscode API surface breakpointsView.ts uses --------------------------------------------
class EventEmitter<T> {
  private listeners: ((v: T) => void)[] = [];
  readonly event = (l: (v: T) => void): { dispose(): void } => {
    this.listeners.push(l);
    return { dispose: () => { this.listeners = this.listeners.filter((x) => x !== l); } };
  };
  fire(v: T): void { for (const l of [...this.listeners]) l(v); }
}
class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  contextValue?: string;
  iconPath?: ThemeIcon;
  constructor(readonly label: string, readonly collapsibleState: number) {}
}
class ThemeIcon { constructor(readonly id: string) {} }
const warnings: string[] = [];
const vscodeStub = {
  EventEmitter, TreeItem, ThemeIcon,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  window: { showWarningMessage: (m: string) => { warnings.push(m); return Promise.resolve(undefined); } },
};
type Resolver = (request: string, ...rest: unknown[]) => string;
const M = Module as unknown as { _resolveFilename: Resolver };
const resolveOrig = M._resolveFilename;
M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolveOrig.call(this, request, ...rest);
};
(require.cache as Record<string, unknown>).vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VmBreakpointsView } = require('../../src/extension/breakpointsView') as typeof import('../../src/extension/breakpointsView');
M._resolveFilename = resolveOrig;

// ---- a vscode.DebugSession over the inline adapter ----------------------------------------------
class InlineSession {
  private seq = 1;
  private readonly pending = new Map<number, (r: DebugProtocol.Response) => void>();
  readonly events: DebugProtocol.Event[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly adapter: X86DebugSession) {
    adapter.onDidSendMessage((m) => {
      const msg = m as DebugProtocol.ProtocolMessage;
      if (msg.type === 'response') {
        const r = msg as DebugProtocol.Response;
        this.pending.get(r.request_seq)?.(r);
        this.pending.delete(r.request_seq);
      } else if (msg.type === 'event') {
        this.events.push(msg as DebugProtocol.Event);
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  /** As vscode.DebugSession.customRequest: the response body, or a rejection with its message. */
  customRequest(command: string, args?: unknown): Promise<unknown> {
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, (r) => (r.success ? resolve(r.body) : reject(new Error(r.message))));
      this.adapter.handleMessage({ seq, type: 'request', command, arguments: args } as DebugProtocol.Request);
    });
  }
  /** The next event named `name` after index `from` of `events`. */
  async event(name: string, from: number, ms = 10000): Promise<DebugProtocol.Event> {
    const t0 = Date.now();
    for (;;) {
      const e = this.events.slice(from).find((x) => x.event === name);
      if (e) return e;
      if (Date.now() - t0 > ms) throw new Error(`no ${name} event within ${ms} ms`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 50); });
    }
  }
}

type Node = Awaited<ReturnType<InstanceType<typeof VmBreakpointsView>['getChildren']>>[number];

describe('extension: the VM Breakpoints tree view against a running machine', function () {
  this.timeout(30000);
  before(function () { if (!HAVE_VM) this.skip(); });

  it('lists kind, hits and window from the machine; disable and remove act on it', async () => {
    const src = fixture('hitspc.asm');
    const s = new InlineSession(new X86DebugSession(linkedLoadProgram));
    let current: InlineSession | undefined;
    const view = new VmBreakpointsView(() => current as unknown as import('vscode').DebugSession);
    let changes = 0;
    view.onDidChangeTreeData(() => { changes++; });
    assert.deepEqual(await view.getChildren(), [], 'no session: no rows');
    current = s;

    await s.customRequest('initialize', { adapterID: 'x86vm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const launched = s.customRequest('launch', { program: bootProgram('hitspc.asm'), platform: 'pc' });
    await s.event('initialized', 0);
    const line = lineOf(src, 'inc si');
    const sb = await s.customRequest('setBreakpoints', { source: { path: src, name: 'hitspc.asm' }, breakpoints: [{ line }] }) as DebugProtocol.SetBreakpointsResponse['body'];
    const fb = await s.customRequest('setFunctionBreakpoints', { breakpoints: [{ name: 'io 0x305 w', hitCondition: '5..8' }] }) as DebugProtocol.SetFunctionBreakpointsResponse['body'];
    const swId = sb.breakpoints[0].id as number, portId = fb.breakpoints[0].id as number;
    assert.ok(sb.breakpoints[0].verified && fb.breakpoints[0].verified, JSON.stringify([sb, fb]));
    let mark = s.events.length;
    await s.customRequest('configurationDone');
    await launched;
    const first = await s.event('stopped', mark) as DebugProtocol.StoppedEvent;
    assert.deepEqual(first.body.hitBreakpointIds, [swId]);

    const rowsOf = async (): Promise<{ node: Node; item: InstanceType<typeof TreeItem> }[]> => {
      const out: { node: Node; item: InstanceType<typeof TreeItem> }[] = [];
      for (const g of await view.getChildren()) for (const n of await view.getChildren(g)) out.push({ node: n, item: view.getTreeItem(n) as unknown as InstanceType<typeof TreeItem> });
      return out;
    };
    const groups = (await view.getChildren()).map((g) => (view.getTreeItem(g) as unknown as TreeItem).label);
    assert.deepEqual(groups, ['Software (INT3) (1)', 'I/O port (1)']);
    let rows = await rowsOf();
    assert.equal(rows.length, 2);
    const sw = rows.find((r) => r.item.id === `bp-${swId}`), port = rows.find((r) => r.item.id === `bp-${portId}`);
    assert.ok(sw && port, rows.map((r) => r.item.id).join());
    assert.equal(sw.item.description, 'software · hits 1 · every hit');
    assert.equal(sw.item.contextValue, 'breakpoint enabled');
    assert.equal(sw.item.iconPath?.id, 'debug-breakpoint');
    assert.match(port.item.label, new RegExp(`^#${portId} port 0x0*305 w`));
    assert.equal(port.item.description, 'port · hits 0 · 5..8');
    assert.equal(port.item.iconPath?.id, 'debug-breakpoint-data');

    // Disable the software breakpoint from the view: the machine says so, and it no longer stops.
    const before = changes;
    await view.setEnabled(sw.node, false);
    await new Promise((r) => setTimeout(r, 120)); // the view coalesces refreshes over 50 ms
    assert.ok(changes > before, 'the tree is refreshed after the action');
    rows = await rowsOf();
    const swOff = rows.find((r) => r.item.id === `bp-${swId}`)!;
    assert.equal(swOff.item.contextValue, 'breakpoint disabled');
    assert.match(swOff.item.description ?? '', /· disabled$/);
    assert.equal(swOff.item.iconPath?.id, 'debug-breakpoint-disabled');

    // Continue: iterations 2..4 pass the disabled breakpoint; the port breakpoint stops at hit 5.
    mark = s.events.length;
    await s.customRequest('continue', { threadId: 1 });
    const second = await s.event('stopped', mark) as DebugProtocol.StoppedEvent;
    assert.deepEqual(second.body.hitBreakpointIds, [portId]);
    const frame = ((await s.customRequest('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse['body']).stackFrames[0];
    const si = (await s.customRequest('evaluate', { expression: 'si', frameId: frame.id, context: 'watch' })) as DebugProtocol.EvaluateResponse['body'];
    assert.equal(Number(si.result.split(/\s/)[0]), 5, `SI = ${si.result}`);
    rows = await rowsOf();
    assert.equal(rows.find((r) => r.item.id === `bp-${portId}`)?.item.description, 'port · hits 5 · 5..8');

    // Remove the port breakpoint from the view: gone from the machine, reported as removed.
    mark = s.events.length;
    await view.remove(rows.find((r) => r.item.id === `bp-${portId}`)!.node);
    const removed = await s.event('breakpoint', mark) as DebugProtocol.BreakpointEvent;
    assert.equal(removed.body.reason, 'removed');
    assert.equal(removed.body.breakpoint.id, portId);
    assert.deepEqual((await rowsOf()).map((r) => r.item.id), [`bp-${swId}`]);
    // An unknown id gives a warning, not an exception; nodes that are not rows are ignored.
    await view.setEnabled({ row: { ...(swOff.node as { row: object }).row, id: 999 } }, true);
    assert.equal(warnings.length, 1, warnings.join());
    assert.match(warnings[0], /999/);
    await view.remove({ group: {} });
    assert.equal(warnings.length, 1);
    // Nothing stops the guest now: it runs its 12 iterations and exits with status 1.
    mark = s.events.length;
    await s.customRequest('continue', { threadId: 1 });
    const exited = await s.event('exited', mark) as DebugProtocol.ExitedEvent;
    assert.equal(exited.body.exitCode, 1);
    assert.equal(s.events.slice(mark).filter((e) => e.event === 'stopped').length, 0, 'no stop after the removal');

    await s.customRequest('disconnect', {}).catch(() => undefined);
  });
});
