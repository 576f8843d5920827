/**
 * The DAP layer: `X86DebugSession` maps every request of SPEC §6 onto the debugger runtime and turns
 * its events into DAP events. It validates every argument itself: malformed or out-of-order
 * requests get error responses and the session goes on.
 */
import { BreakpointEvent, ContinuedEvent, ExitedEvent, InitializedEvent, LoggingDebugSession, OutputEvent, Source, StoppedEvent, TerminatedEvent, Event as DapEvent, Response } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import * as path from 'node:path';
import { formatWindow } from '../dbgf';
import { DisasmSyntax, parseSyntax } from '../debugger/disasm';
import { ExprError } from '../debugger/expr';
import { memoryReference, parseMemoryReference } from '../debugger/format';
import { BreakpointMode, DataMode, DataTarget, DebugError, DebugRuntime, EXCEPTION_FILTERS, LaunchArgs, LoadFn, StopInfo, UserBreakpoint, VarNode } from '../debugger/runtime';
import {
  DiagnosticsEvent, EVT_BREAKPOINTS_CHANGED, EVT_DIAGNOSTICS, EVT_SCREEN, EVT_STATE, REQ_CLEAR_BREAKPOINT, REQ_INPUT, REQ_KEY, REQ_LIST_BREAKPOINTS, REQ_SET_BREAKPOINT_ENABLED,
  ScreenEvent, StateEvent, VmBreakpointInfo,
} from './protocol';

const THREAD_ID = 1;
const MAX_MEMORY_COUNT = 16 * 1024 * 1024;
const MAX_INSTRUCTIONS = 100_000;

type Args = Record<string, unknown>;
type Handler = (args: Args, response: DebugProtocol.Response) => Promise<unknown> | unknown;

/** A request argument of the wrong type or range. */
class ArgError extends Error {}

function obj(v: unknown, what: string): Args {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ArgError(`${what} must be an object`);
  return v as Args;
}

function int(a: Args, key: string, req: string, opts: { required?: boolean; min?: number; max?: number; def?: number } = {}): number {
  const v = a[key];
  if (v === undefined || v === null) {
    if (opts.required) throw new ArgError(`${req}: argument '${key}' is required`);
    return opts.def ?? 0;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgError(`${req}: argument '${key}' must be an integer, not ${JSON.stringify(v)?.slice(0, 40)}`);
  if (opts.min !== undefined && v < opts.min) throw new ArgError(`${req}: argument '${key}' must be at least ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new ArgError(`${req}: argument '${key}' must be at most ${opts.max}`);
  return v;
}

function str(a: Args, key: string, req: string, required = false): string | undefined {
  const v = a[key];
  if (v === undefined || v === null) {
    if (required) throw new ArgError(`${req}: argument '${key}' is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ArgError(`${req}: argument '${key}' must be a string`);
  return v;
}

function arr(a: Args, key: string, req: string): unknown[] {
  const v = a[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ArgError(`${req}: argument '${key}' must be an array`);
  if (v.length > 10000) throw new ArgError(`${req}: argument '${key}' has too many elements (${v.length}, at most 10000)`);
  return v;
}

function bool(a: Args, key: string, req: string): boolean | undefined {
  const v = a[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ArgError(`${req}: argument '${key}' must be true or false`);
  return v;
}

function specOf(b: Args, req: string): { condition?: string; hitCondition?: string; logMessage?: string } {
  return { condition: str(b, 'condition', req), hitCondition: str(b, 'hitCondition', req), logMessage: str(b, 'logMessage', req) };
}

function execMode(b: Args, req: string): BreakpointMode | undefined {
  const m = str(b, 'mode', req);
  if (m === undefined) return undefined;
  if (m !== 'software' && m !== 'hardware' && m !== 'emulator') throw new ArgError(`${req}: mode '${m}' is not software, hardware or emulator`);
  return m;
}

interface SourceBpState {
  sig: string;
  ub: UserBreakpoint;
}

export class X86DebugSession extends LoggingDebugSession {
  readonly runtime: DebugRuntime;
  private linesStartAt1 = true;
  private columnsStartAt1 = true;
  private configurationDone: Promise<void>;
  private resolveConfigurationDone: () => void = () => undefined;
  private launched = false;
  private readonly varRefs = new Map<number, VarNode[]>();
  private readonly varLoaders = new Map<number, () => VarNode[]>();
  private nextRef = 1;
  // Breakpoint requests as last received, re-applied on restart.
  private readonly sourceBps = new Map<string, { args: Args; state: SourceBpState[] }>();
  private fnArgs: Args | null = null;
  private fnIds: number[] = [];
  private dataArgs: Args | null = null;
  private dataIds: number[] = [];
  private insArgs: Args | null = null;
  private insIds: number[] = [];
  private excArgs: Args | null = null;
  private readonly handlers: Record<string, Handler>;

  constructor(load: LoadFn) {
    super();
    this.runtime = new DebugRuntime(load);
    this.configurationDone = new Promise((r) => { this.resolveConfigurationDone = r; });
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.handlers = this.makeHandlers();
    const rt = this.runtime;
    rt.on('stopped', (s: StopInfo) => this.onStopped(s));
    rt.on('continued', () => {
      this.resetVariables();
      this.sendEvent(new ContinuedEvent(THREAD_ID, true));
    });
    rt.on('output', (text: string, category: string) => this.sendEvent(new OutputEvent(text, category === 'stderr' ? 'stderr' : category === 'stdout' ? 'stdout' : 'console')));
    rt.on('exited', (code: number) => this.sendEvent(new ExitedEvent(code)));
    rt.on('terminated', () => this.sendEvent(new TerminatedEvent()));
    rt.on('breakpointChanged', (id: number) => this.sendBreakpointChanged(id));
    rt.on('state', (s: StateEvent) => this.sendEvent(new DapEvent(EVT_STATE, s)));
    rt.on('screen', (s: ScreenEvent) => this.sendEvent(new DapEvent(EVT_SCREEN, s)));
    rt.on('diagnostics', (d: DiagnosticsEvent['diagnostics']) => this.sendEvent(new DapEvent(EVT_DIAGNOSTICS, { diagnostics: d } satisfies DiagnosticsEvent)));
  }

  /** Set by `x86vm dap`: end the process after a disconnect request has been answered. */
  exitOnDisconnect = false;

  /**
   * The base class shuts the process down on any 'error' event, which a malformed message (bad JSON)
   * raises: the adapter must survive that. The process ends on disconnect or when stdin closes.
   */
  override shutdown(): void {
    /* see above */
  }

  // -------------------------------------------------------------------------------------------
  // Dispatch: every request goes through here; any error becomes an error response.

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const response = new Response(request) as DebugProtocol.Response;
    let handler: Handler | undefined;
    try {
      if (typeof request.command !== 'string') throw new ArgError('request without a command');
      handler = Object.prototype.hasOwnProperty.call(this.handlers, request.command) ? this.handlers[request.command] : undefined;
      if (!handler) throw new ArgError(`unknown request '${String(request.command).slice(0, 60)}'`);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    let args: Args;
    try {
      args = obj(request.arguments, `${request.command}: arguments`);
    } catch (e) {
      this.fail(response, e);
      return;
    }
    const h = handler;
    Promise.resolve()
      .then(() => h(args, response))
      .then((body) => {
        if (body !== undefined) response.body = body;
        this.sendResponse(response);
      }, (e: unknown) => this.fail(response, e));
  }

  private fail(response: DebugProtocol.Response, e: unknown): void {
    let msg: string;
    if (e instanceof ArgError || e instanceof DebugError) msg = e.message;
    else if (e instanceof ExprError) msg = `expression error at ${e.message}`;
    else if (e instanceof Error) msg = `internal error: ${e.message}`;
    else msg = String(e);
    response.success = false;
    response.message = msg;
    response.body = { error: { id: 1, format: msg.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: true } };
    try {
      this.sendResponse(response);
    } catch {
      /* the client is gone */
    }
  }

  private requireLaunch(req: string): void {
    if (!this.launched || !this.runtime.launched) throw new DebugError(`${req}: no program is running: send 'launch' first`);
  }

  private makeHandlers(): Record<string, Handler> {
    const H: Record<string, Handler> = {
      initialize: (a) => this.initialize(a),
      launch: (a) => this.launch(a),
      attach: () => { throw new DebugError('attach is not supported: use launch with a program'); },
      configurationDone: () => { this.resolveConfigurationDone(); return undefined; },
      disconnect: () => {
        this.runtime.dispose();
        this.launched = false;
        if (this.exitOnDisconnect) setTimeout(() => process.exit(0), 100);
        return undefined;
      },
      terminate: () => { this.requireLaunch('terminate'); this.runtime.terminate(); return undefined; },
      restart: (a) => this.restart(a),
      threads: () => ({ threads: [{ id: THREAD_ID, name: 'CPU 0' }] }),
      setBreakpoints: (a) => this.setBreakpoints(a),
      setFunctionBreakpoints: (a) => this.setFunctionBreakpoints(a),
      setInstructionBreakpoints: (a) => this.setInstructionBreakpoints(a),
      setExceptionBreakpoints: (a) => this.setExceptionBreakpoints(a),
      dataBreakpointInfo: (a) => this.dataBreakpointInfo(a),
      setDataBreakpoints: (a) => this.setDataBreakpoints(a),
      breakpointLocations: (a) => this.breakpointLocations(a),
      continue: (a) => { this.thread(a, 'continue'); this.requireLaunch('continue'); this.runtime.continue(); return { allThreadsContinued: true }; },
      next: (a) => { this.thread(a, 'next'); this.requireLaunch('next'); this.runtime.stepOver(this.granularity(a, 'next')); return undefined; },
      stepIn: (a) => { this.thread(a, 'stepIn'); this.requireLaunch('stepIn'); this.runtime.stepIn(this.granularity(a, 'stepIn')); return undefined; },
      stepOut: (a) => { this.thread(a, 'stepOut'); this.requireLaunch('stepOut'); this.runtime.stepOut(); return undefined; },
      pause: (a) => { this.thread(a, 'pause'); this.requireLaunch('pause'); this.runtime.pause(); return undefined; },
      stackTrace: (a) => this.stackTrace(a),
      scopes: (a) => this.scopes(a),
      variables: (a) => this.variables(a),
      setVariable: (a) => this.setVariable(a),
      setExpression: (a) => this.setExpression(a),
      evaluate: (a) => this.evaluate(a),
      readMemory: (a) => this.readMemory(a),
      writeMemory: (a) => this.writeMemory(a),
      disassemble: (a) => this.disassemble(a),
      completions: (a) => this.completions(a),
      exceptionInfo: (a) => this.exceptionInfo(a),
      gotoTargets: (a) => this.gotoTargets(a),
      goto: (a) => this.goto(a),
      loadedSources: () => this.loadedSources(),
      source: (a) => this.source(a),
      [REQ_LIST_BREAKPOINTS]: () => this.listBreakpoints(),
      [REQ_SET_BREAKPOINT_ENABLED]: (a) => this.setBreakpointEnabled(a),
      [REQ_CLEAR_BREAKPOINT]: (a) => this.clearBreakpoint(a),
      [REQ_INPUT]: (a) => {
        this.requireLaunch('input');
        const text = str(a, 'text', 'input', true) as string;
        this.runtime.machine?.input(text);
        return undefined;
      },
      [REQ_KEY]: (a) => {
        this.requireLaunch('key');
        const codes = arr(a, 'scancodes', 'key');
        if (codes.some((c) => typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 255)) throw new ArgError('key: scancodes must be bytes (0 to 255)');
        this.runtime.machine?.key(codes as number[]);
        return undefined;
      },
    };
    return H;
  }

  private thread(a: Args, req: string): void {
    const t = a.threadId;
    if (t !== undefined && t !== THREAD_ID) throw new ArgError(`${req}: unknown threadId ${JSON.stringify(t)?.slice(0, 20)} (the only thread is ${THREAD_ID})`);
  }

  private granularity(a: Args, req: string): boolean {
    const g = str(a, 'granularity', req);
    if (g !== undefined && g !== 'statement' && g !== 'line' && g !== 'instruction') throw new ArgError(`${req}: granularity '${g}' is not statement, line or instruction`);
    return g === 'instruction';
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  private initialize(a: Args): DebugProtocol.Capabilities {
    if (typeof a.linesStartAt1 === 'boolean') this.linesStartAt1 = a.linesStartAt1;
    if (typeof a.columnsStartAt1 === 'boolean') this.columnsStartAt1 = a.columnsStartAt1;
    if (a.pathFormat !== undefined && a.pathFormat !== 'path') throw new ArgError(`initialize: pathFormat '${String(a.pathFormat)}' is not supported (only 'path')`);
    const caps: DebugProtocol.Capabilities = {
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsInstructionBreakpoints: true,
      supportsExceptionInfoRequest: true,
      supportsExceptionFilterOptions: false,
      exceptionBreakpointFilters: EXCEPTION_FILTERS.map((f) => ({ filter: f.filter, label: f.label, description: f.description, default: f.default })),
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsSetVariable: true,
      supportsSetExpression: true,
      supportsEvaluateForHovers: true,
      supportsCompletionsRequest: true,
      completionTriggerCharacters: ['[', ' '],
      supportsSteppingGranularity: true,
      supportsGotoTargetsRequest: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsLoadedSourcesRequest: true,
      supportsValueFormattingOptions: true,
      supportsBreakpointLocationsRequest: true,
      supportsCancelRequest: false,
      breakpointModes: [
        { mode: 'software', label: 'Software (INT3)', description: 'writes 0xCC into guest memory; unlimited', appliesTo: ['source', 'instruction'] },
        { mode: 'hardware', label: 'Hardware (DR0–DR3)', description: 'a debugger debug register; at most 4, data length 1/2/4/8 aligned, no read-only', appliesTo: ['source', 'instruction', 'data'] },
        { mode: 'emulator', label: 'Emulator', description: 'checked by the emulator before the instruction; invisible to the guest', appliesTo: ['source', 'instruction'] },
        { mode: 'emulated', label: 'Emulated watch', description: 'any length, read, write or both; unlimited', appliesTo: ['data'] },
      ],
    };
    return caps;
  }

  private async launch(a: Args): Promise<void> {
    if (this.launched) throw new DebugError('launch: a program is already running in this session');
    const program = str(a, 'program', 'launch', true) as string;
    const platform = str(a, 'platform', 'launch');
    const la: LaunchArgs = {
      program,
      platform: platform as LaunchArgs['platform'],
      args: a.args as string[] | undefined,
      cwd: str(a, 'cwd', 'launch'),
      env: a.env as Record<string, string> | undefined,
      memory: a.memory as number | string | undefined,
      stopOnEntry: bool(a, 'stopOnEntry', 'launch') ?? false,
      source: str(a, 'source', 'launch'),
      disassemblySyntax: str(a, 'disassemblySyntax', 'launch') as DisasmSyntax | undefined,
      disassemblyFlavor: str(a, 'disassemblyFlavor', 'launch'),
      maxInstructions: a.maxInstructions === undefined ? undefined : int(a, 'maxInstructions', 'launch', { min: 0, max: Number.MAX_SAFE_INTEGER }),
      realTime: bool(a, 'realTime', 'launch'),
      rom: str(a, 'rom', 'launch'),
    };
    if (la.env !== undefined && (typeof la.env !== 'object' || la.env === null || Array.isArray(la.env) || Object.values(la.env).some((v) => typeof v !== 'string'))) throw new ArgError("launch: 'env' must map names to strings");
    if (la.memory !== undefined && typeof la.memory !== 'number' && typeof la.memory !== 'string') throw new ArgError("launch: 'memory' must be a size such as 64M");
    await this.runtime.launch(la);
    this.launched = true;
    if (this.pendingExceptionFilters) this.runtime.setExceptionFilters(this.pendingExceptionFilters);
    this.sendEvent(new InitializedEvent());
    // Wait for the client's configuration (breakpoints) before starting; start anyway after a while.
    await Promise.race([this.configurationDone, new Promise((r) => setTimeout(r, 2000))]);
    setImmediate(() => {
      if (this.runtime.launched && this.runtime.state === 'stopped') this.runtime.start(la.stopOnEntry === true);
    });
  }

  private async restart(_a: Args): Promise<void> {
    this.requireLaunch('restart');
    const la = this.runtime.arguments as LaunchArgs;
    await this.runtime.restart();
    this.resetVariables();
    // Re-apply every breakpoint request on the fresh machine.
    for (const [file, s] of [...this.sourceBps]) {
      s.state = [];
      this.applySourceBreakpoints(file, s.args);
    }
    if (this.fnArgs) this.setFunctionBreakpoints(this.fnArgs);
    if (this.dataArgs) this.setDataBreakpoints(this.dataArgs);
    if (this.insArgs) this.setInstructionBreakpoints(this.insArgs);
    if (this.excArgs) this.setExceptionBreakpoints(this.excArgs);
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    setImmediate(() => {
      if (this.runtime.launched && this.runtime.state === 'stopped') this.runtime.start(la.stopOnEntry === true);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Breakpoints

  private toDap(ub: UserBreakpoint, fallbackLine?: number, source?: DebugProtocol.Source): DebugProtocol.Breakpoint {
    const bp: DebugProtocol.Breakpoint = { verified: ub.verified, message: ub.message };
    if (ub.id !== undefined) bp.id = ub.id;
    const line = ub.line ?? fallbackLine;
    if (line !== undefined) bp.line = this.convertDebuggerLineToClient(line);
    if (source) bp.source = source;
    else if (ub.source) bp.source = new Source(path.basename(ub.source), ub.source);
    if (ub.address !== undefined) bp.instructionReference = memoryReference(ub.address);
    return bp;
  }

  private setBreakpoints(a: Args): DebugProtocol.SetBreakpointsResponse['body'] {
    this.requireLaunch('setBreakpoints');
    const src = obj(a.source, 'setBreakpoints: source');
    const p = str(src, 'path', 'setBreakpoints: source');
    if (!p) throw new ArgError("setBreakpoints: 'source.path' is required (sources by reference are not supported)");
    const file = path.resolve(p);
    const list = this.applySourceBreakpoints(file, a);
    return { breakpoints: list };
  }

  private applySourceBreakpoints(file: string, a: Args): DebugProtocol.Breakpoint[] {
    const bps = arr(a, 'breakpoints', 'setBreakpoints').map((b) => obj(b, 'setBreakpoints: breakpoint'));
    const lines = arr(a, 'lines', 'setBreakpoints');
    const reqs: Args[] = bps.length ? bps : lines.map((l) => ({ line: l }));
    // Validate everything before changing anything.
    const parsed = reqs.map((b) => ({
      line: int(b, 'line', 'setBreakpoints', { required: true, min: this.linesStartAt1 ? 1 : 0, max: 10_000_000 }),
      spec: specOf(b, 'setBreakpoints'),
      mode: execMode(b, 'setBreakpoints'),
    }));
    const prev = this.sourceBps.get(file)?.state ?? [];
    const keep = new Set<SourceBpState>();
    const next: SourceBpState[] = [];
    const out: DebugProtocol.Breakpoint[] = [];
    const source = new Source(path.basename(file), file);
    for (const b of parsed) {
      const line = this.convertClientLineToDebugger(b.line);
      const sig = JSON.stringify([line, b.spec, b.mode]);
      const old = prev.find((s) => s.sig === sig && !keep.has(s) && s.ub.verified);
      let ub: UserBreakpoint;
      if (old) {
        keep.add(old);
        ub = { ...old.ub, message: old.ub.id !== undefined ? this.runtime.describeBreakpoint(old.ub.id) : old.ub.message };
      } else {
        ub = this.runtime.setSourceBreakpoint(file, line, b.spec, b.mode);
      }
      next.push({ sig, ub });
      out.push(this.toDap(ub, line, source));
    }
    const stale = prev.filter((s) => !keep.has(s) && s.ub.id !== undefined && !next.some((n) => n.ub.id === s.ub.id));
    this.runtime.clearUser(stale.map((s) => s.ub.id as number));
    this.sourceBps.set(file, { args: a, state: next });
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return out;
  }

  private setFunctionBreakpoints(a: Args): DebugProtocol.SetFunctionBreakpointsResponse['body'] {
    this.requireLaunch('setFunctionBreakpoints');
    const bps = arr(a, 'breakpoints', 'setFunctionBreakpoints').map((b) => obj(b, 'setFunctionBreakpoints: breakpoint'));
    const parsed = bps.map((b) => ({ name: str(b, 'name', 'setFunctionBreakpoints', true) as string, spec: specOf(b, 'setFunctionBreakpoints'), mode: execMode(b, 'setFunctionBreakpoints') }));
    this.runtime.clearUser(this.fnIds);
    this.fnIds = [];
    const out = parsed.map((b) => {
      const ub = this.runtime.setFunctionBreakpoint(b.name, b.spec, b.mode);
      if (ub.id !== undefined) this.fnIds.push(...ub.ids);
      return this.toDap(ub);
    });
    this.fnArgs = a;
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return { breakpoints: out };
  }

  private setInstructionBreakpoints(a: Args): DebugProtocol.SetInstructionBreakpointsResponse['body'] {
    this.requireLaunch('setInstructionBreakpoints');
    const bps = arr(a, 'breakpoints', 'setInstructionBreakpoints').map((b) => obj(b, 'setInstructionBreakpoints: breakpoint'));
    const parsed = bps.map((b) => {
      const ref = str(b, 'instructionReference', 'setInstructionBreakpoints', true) as string;
      const base = parseMemoryReference(ref);
      if (base === undefined) throw new ArgError(`setInstructionBreakpoints: instructionReference '${ref.slice(0, 40)}' is not an address`);
      const off = int(b, 'offset', 'setInstructionBreakpoints', { min: -0x100000000, max: 0x100000000 });
      return { address: (base + off) >>> 0, spec: specOf(b, 'setInstructionBreakpoints'), mode: execMode(b, 'setInstructionBreakpoints') };
    });
    this.runtime.clearUser(this.insIds);
    this.insIds = [];
    const out = parsed.map((b) => {
      const ub = this.runtime.setInstructionBreakpoint(b.address, b.spec, b.mode);
      if (ub.id !== undefined) this.insIds.push(...ub.ids);
      return this.toDap(ub);
    });
    this.insArgs = a;
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return { breakpoints: out };
  }

  private setExceptionBreakpoints(a: Args): DebugProtocol.SetExceptionBreakpointsResponse['body'] {
    const filters = arr(a, 'filters', 'setExceptionBreakpoints');
    if (filters.some((f) => typeof f !== 'string')) throw new ArgError('setExceptionBreakpoints: filters must be strings');
    const fo = arr(a, 'filterOptions', 'setExceptionBreakpoints').map((o) => str(obj(o, 'filterOptions'), 'filterId', 'setExceptionBreakpoints', true) as string);
    const all = [...(filters as string[]), ...fo];
    for (const f of all) {
      if (!EXCEPTION_FILTERS.some((x) => x.filter === f)) throw new ArgError(`setExceptionBreakpoints: unknown filter '${f.slice(0, 40)}' (${EXCEPTION_FILTERS.map((x) => x.filter).join(', ')})`);
    }
    this.excArgs = a;
    if (this.runtime.launched) this.runtime.setExceptionFilters(all);
    else this.pendingExceptionFilters = all;
    return {
      breakpoints: all.map((f) => {
        const d = EXCEPTION_FILTERS.find((x) => x.filter === f);
        return { verified: true, message: `stops on ${d?.label ?? f}` };
      }),
    };
  }

  private pendingExceptionFilters: string[] | null = null;

  private dataBreakpointInfo(a: Args): DebugProtocol.DataBreakpointInfoResponse['body'] {
    this.requireLaunch('dataBreakpointInfo');
    const name = str(a, 'name', 'dataBreakpointInfo', true) as string;
    const ref = int(a, 'variablesReference', 'dataBreakpointInfo', { min: 0 });
    const bytes = a.bytes === undefined ? undefined : int(a, 'bytes', 'dataBreakpointInfo', { min: 1, max: 0x10000000 });
    const asAddress = bool(a, 'asAddress', 'dataBreakpointInfo') ?? false;
    let target: DataTarget | string;
    if (ref > 0 && !asAddress) {
      const nodes = this.varRefs.get(ref) ?? this.loadRef(ref);
      const node = nodes?.find((n) => n.name === name);
      if (!nodes) target = `variablesReference ${ref} is not valid (any more)`;
      else if (!node) target = `no variable '${name.slice(0, 60)}' in that scope`;
      else if (!node.data) target = `${name} is not in memory, a port or a device register: no data breakpoint possible`;
      else target = node.data;
      if (typeof target !== 'string' && bytes !== undefined && target.kind === 'memory') target = { ...target, length: bytes };
    } else {
      target = this.runtime.dataTargetFor(name, bytes, asAddress);
    }
    if (typeof target === 'string') return { dataId: null, description: target };
    const accessTypes: DebugProtocol.DataBreakpointAccessType[] = ['write', 'read', 'readWrite'];
    return { dataId: DebugRuntime.dataId(target), description: target.description, accessTypes, canPersist: false };
  }

  private setDataBreakpoints(a: Args): DebugProtocol.SetDataBreakpointsResponse['body'] {
    this.requireLaunch('setDataBreakpoints');
    const bps = arr(a, 'breakpoints', 'setDataBreakpoints').map((b) => obj(b, 'setDataBreakpoints: breakpoint'));
    const parsed = bps.map((b) => {
      const dataId = str(b, 'dataId', 'setDataBreakpoints', true) as string;
      const acc = str(b, 'accessType', 'setDataBreakpoints');
      if (acc !== undefined && acc !== 'read' && acc !== 'write' && acc !== 'readWrite') throw new ArgError(`setDataBreakpoints: accessType '${acc}' is not read, write or readWrite`);
      const mode = str(b, 'mode', 'setDataBreakpoints');
      if (mode !== undefined && mode !== 'hardware' && mode !== 'emulated') throw new ArgError(`setDataBreakpoints: mode '${mode}' is not hardware or emulated`);
      return { dataId, acc: acc as 'read' | 'write' | 'readWrite' | undefined, mode: mode as DataMode | undefined, spec: specOf(b, 'setDataBreakpoints') };
    });
    this.runtime.clearUser(this.dataIds);
    this.dataIds = [];
    const out = parsed.map((b) => {
      const t = this.runtime.dataTargetFromId(b.dataId);
      if (!t) return { verified: false, message: `data id '${b.dataId.slice(0, 40)}' is not one this adapter gave out (ask dataBreakpointInfo)` };
      const ub = this.runtime.setDataBreakpoint(t, b.acc, b.spec, b.mode);
      if (ub.id !== undefined) this.dataIds.push(...ub.ids);
      return this.toDap(ub);
    });
    this.dataArgs = a;
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return { breakpoints: out };
  }

  private breakpointLocations(a: Args): DebugProtocol.BreakpointLocationsResponse['body'] {
    this.requireLaunch('breakpointLocations');
    const src = obj(a.source, 'breakpointLocations: source');
    const p = str(src, 'path', 'breakpointLocations', true) as string;
    const line = this.convertClientLineToDebugger(int(a, 'line', 'breakpointLocations', { required: true, min: 0 }));
    const end = a.endLine === undefined ? line : this.convertClientLineToDebugger(int(a, 'endLine', 'breakpointLocations', { min: 0 }));
    const lines = this.runtime.lines.linesOf(p).filter((l) => l >= line && l <= end);
    return { breakpoints: lines.map((l) => ({ line: this.convertDebuggerLineToClient(l) })) };
  }

  private sendBreakpointChanged(id: number): void {
    const info = this.runtime.bpm?.get(id);
    if (!info) return;
    const bp: DebugProtocol.Breakpoint = { id, verified: true, message: `${this.runtime.describeBreakpoint(id)}; hit ${info.hits} of ${formatWindow(info)}` };
    // Keep the location VS Code knows for source breakpoints.
    for (const s of this.sourceBps.values()) {
      const st = s.state.find((x) => x.ub.id === id);
      if (st && st.ub.line !== undefined) {
        bp.line = this.convertDebuggerLineToClient(st.ub.line);
        if (st.ub.source) bp.source = new Source(path.basename(st.ub.source), st.ub.source);
      }
    }
    this.sendEvent(new BreakpointEvent('changed', bp));
  }

  private listBreakpoints(): { breakpoints: VmBreakpointInfo[] } {
    const list = this.runtime.listBreakpoints();
    return {
      breakpoints: list.map((b) => ({
        id: b.id, enabled: b.enabled, kind: b.kind, location: b.location, hits: b.hits, trigger: b.trigger,
        disable: b.disable === Infinity ? null : b.disable, period: b.period, spent: b.spent, slot: b.slot,
      })),
    };
  }

  private setBreakpointEnabled(a: Args): { message: string } {
    this.requireLaunch('setBreakpointEnabled');
    const id = int(a, 'id', 'setBreakpointEnabled', { required: true, min: 1 });
    const en = bool(a, 'enabled', 'setBreakpointEnabled');
    if (en === undefined) throw new ArgError("setBreakpointEnabled: argument 'enabled' is required");
    const r = this.runtime.setEnabled(id, en);
    if (!r.ok) throw new DebugError(r.message);
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return { message: r.message };
  }

  private clearBreakpoint(a: Args): { message: string } {
    this.requireLaunch('clearBreakpoint');
    const id = int(a, 'id', 'clearBreakpoint', { required: true, min: 1 });
    const r = this.runtime.clearBreakpoint(id);
    if (!r.ok) throw new DebugError(r.message);
    this.forgetIds([id]);
    this.sendEvent(new BreakpointEvent('removed', { id, verified: false }));
    this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
    return { message: r.message };
  }

  private forgetIds(ids: number[]): void {
    const gone = new Set(ids);
    for (const s of this.sourceBps.values()) s.state = s.state.filter((x) => x.ub.id === undefined || !gone.has(x.ub.id));
    this.fnIds = this.fnIds.filter((i) => !gone.has(i));
    this.dataIds = this.dataIds.filter((i) => !gone.has(i));
    this.insIds = this.insIds.filter((i) => !gone.has(i));
  }

  // -------------------------------------------------------------------------------------------
  // Stops, frames, variables

  private onStopped(s: StopInfo): void {
    this.resetVariables();
    const ev = new StoppedEvent(s.reason, THREAD_ID, s.text) as DebugProtocol.StoppedEvent;
    ev.body.description = s.description;
    ev.body.allThreadsStopped = true;
    if (s.hitBreakpointIds.length) ev.body.hitBreakpointIds = s.hitBreakpointIds;
    this.sendEvent(ev);
  }

  private resetVariables(): void {
    this.varRefs.clear();
    this.varLoaders.clear();
    this.nextRef = 1;
  }

  private ref(loader: () => VarNode[]): number {
    const r = this.nextRef++;
    this.varLoaders.set(r, loader);
    return r;
  }

  private loadRef(ref: number): VarNode[] | undefined {
    const l = this.varLoaders.get(ref);
    if (!l) return undefined;
    const nodes = l();
    this.varRefs.set(ref, nodes);
    return nodes;
  }

  private stackTrace(a: Args): DebugProtocol.StackTraceResponse['body'] {
    this.thread(a, 'stackTrace');
    this.requireLaunch('stackTrace');
    this.runtime.requireStopped('stackTrace');
    const start = int(a, 'startFrame', 'stackTrace', { min: 0, max: 1_000_000 });
    const levels = int(a, 'levels', 'stackTrace', { min: 0, max: 1_000_000 });
    const frames = this.runtime.frames(64);
    const slice = frames.slice(start, levels > 0 ? start + levels : undefined);
    return {
      stackFrames: slice.map((f) => {
        const sf: DebugProtocol.StackFrame = {
          id: f.index + 1,
          name: f.name,
          line: f.line !== undefined ? this.convertDebuggerLineToClient(f.line) : 0,
          column: f.line !== undefined ? this.convertDebuggerColumnToClient(1) : 0,
          instructionPointerReference: memoryReference(f.pc),
        };
        if (f.file) sf.source = new Source(path.basename(f.file), f.file);
        else sf.presentationHint = 'subtle';
        return sf;
      }),
      totalFrames: frames.length,
    };
  }

  private frameIndex(a: Args, req: string): number {
    const id = int(a, 'frameId', req, { required: true, min: 1, max: 1000 });
    return id - 1;
  }

  private scopes(a: Args): DebugProtocol.ScopesResponse['body'] {
    this.requireLaunch('scopes');
    this.runtime.requireStopped('scopes');
    const fi = this.frameIndex(a, 'scopes');
    const rt = this.runtime;
    return {
      scopes: [
        { name: 'Registers', presentationHint: 'registers', variablesReference: this.ref(() => rt.registersScope()), expensive: false },
        { name: 'Stack', variablesReference: this.ref(() => rt.stackScope(fi)), expensive: false },
        { name: 'Symbols', presentationHint: 'globals', variablesReference: this.ref(() => rt.symbolsScope()), expensive: false },
        { name: 'Devices', variablesReference: this.ref(() => rt.devicesScope()), expensive: true },
      ],
    };
  }

  private toVariable(n: VarNode): DebugProtocol.Variable {
    const v: DebugProtocol.Variable = { name: n.name, value: n.value, variablesReference: 0 };
    if (n.type) v.type = n.type;
    if (n.children) {
      const load = n.children;
      v.variablesReference = this.ref(load);
    }
    if (n.memoryReference !== undefined) v.memoryReference = memoryReference(n.memoryReference);
    if (n.evaluateName) v.evaluateName = n.evaluateName;
    if (n.readOnly || !n.set) v.presentationHint = { attributes: ['readOnly'] };
    return v;
  }

  private variables(a: Args): DebugProtocol.VariablesResponse['body'] {
    this.requireLaunch('variables');
    const ref = int(a, 'variablesReference', 'variables', { required: true, min: 1 });
    const nodes = this.varRefs.get(ref) ?? this.loadRef(ref);
    if (!nodes) throw new DebugError(`variables: variablesReference ${ref} is not valid (any more)`);
    const start = int(a, 'start', 'variables', { min: 0 });
    const count = int(a, 'count', 'variables', { min: 0 });
    const slice = nodes.slice(start, count > 0 ? start + count : undefined);
    return { variables: slice.map((n) => this.toVariable(n)) };
  }

  private setVariable(a: Args): DebugProtocol.SetVariableResponse['body'] {
    this.requireLaunch('setVariable');
    this.runtime.requireStopped('setVariable');
    const ref = int(a, 'variablesReference', 'setVariable', { required: true, min: 1 });
    const name = str(a, 'name', 'setVariable', true) as string;
    const value = str(a, 'value', 'setVariable', true) as string;
    const nodes = this.varRefs.get(ref) ?? this.loadRef(ref);
    if (!nodes) throw new DebugError(`setVariable: variablesReference ${ref} is not valid (any more)`);
    const i = nodes.findIndex((n) => n.name === name);
    if (i < 0) throw new DebugError(`setVariable: no variable '${name.slice(0, 60)}' there`);
    const node = nodes[i];
    if (!node.set) throw new DebugError(`setVariable: ${name} is read-only`);
    node.set(value);
    // Re-read the container to show the new value.
    const loader = this.varLoaders.get(ref);
    const fresh = loader ? loader() : nodes;
    this.varRefs.set(ref, fresh);
    const nn = fresh.find((n) => n.name === name) ?? node;
    const v = this.toVariable(nn);
    this.sendEvent(new DapEvent('invalidated', { areas: ['variables'] }));
    return { value: v.value, type: v.type, variablesReference: v.variablesReference, memoryReference: v.memoryReference };
  }

  private setExpression(a: Args): DebugProtocol.SetExpressionResponse['body'] {
    this.requireLaunch('setExpression');
    const expression = str(a, 'expression', 'setExpression', true) as string;
    const value = str(a, 'value', 'setExpression', true) as string;
    const result = this.runtime.assign(expression, value);
    this.sendEvent(new DapEvent('invalidated', { areas: ['variables'] }));
    return { value: result };
  }

  private evaluate(a: Args): DebugProtocol.EvaluateResponse['body'] {
    const expression = str(a, 'expression', 'evaluate', true) as string;
    const context = str(a, 'context', 'evaluate') ?? 'repl';
    const fmt = obj(a.format, 'evaluate: format');
    const hexFmt = bool(fmt, 'hex', 'evaluate: format');
    if (expression.length > 10000) throw new ArgError('evaluate: expression too long');
    if (context === 'repl') {
      if (/^\s*(help|\?)\s*$/i.test(expression)) return { result: this.runtime.repl(expression).text, variablesReference: 0 };
      this.requireLaunch('evaluate');
      if (this.runtime.state === 'running' && !/^\s*(bl|help)\b/i.test(expression)) throw new DebugError('evaluate: the program is running; pause it first');
      const r = this.runtime.repl(expression);
      if (r.changedBreakpoints) {
        this.sendEvent(new DapEvent(EVT_BREAKPOINTS_CHANGED));
        const live = new Set(this.runtime.listBreakpoints().map((b) => b.id));
        const removed: number[] = [];
        for (const id of [...this.fnIds, ...this.dataIds, ...this.insIds, ...[...this.sourceBps.values()].flatMap((s) => s.state.map((x) => x.ub.id ?? -1))]) {
          if (id > 0 && !live.has(id)) removed.push(id);
        }
        if (removed.length) {
          this.forgetIds(removed);
          for (const id of removed) this.sendEvent(new BreakpointEvent('removed', { id, verified: false }));
        }
      }
      const body: DebugProtocol.EvaluateResponse['body'] = { result: r.text, variablesReference: 0 };
      if (r.memoryReference !== undefined) body.memoryReference = memoryReference(r.memoryReference);
      return body;
    }
    this.requireLaunch('evaluate');
    if (this.runtime.state === 'running') throw new DebugError('evaluate: the program is running');
    const r = this.runtime.evaluateForDisplay(expression, hexFmt ?? true);
    const body: DebugProtocol.EvaluateResponse['body'] = { result: r.result, variablesReference: 0 };
    if (r.memoryReference !== undefined) body.memoryReference = memoryReference(r.memoryReference);
    if (r.result0.size > 0) body.type = `${r.result0.size * 8}-bit`;
    return body;
  }

  // -------------------------------------------------------------------------------------------
  // Memory and disassembly

  private readMemory(a: Args): DebugProtocol.ReadMemoryResponse['body'] {
    this.requireLaunch('readMemory');
    const refText = str(a, 'memoryReference', 'readMemory', true) as string;
    const base = parseMemoryReference(refText);
    if (base === undefined) throw new ArgError(`readMemory: memoryReference '${refText.slice(0, 40)}' is not an address`);
    const offset = int(a, 'offset', 'readMemory', { min: -0x100000000, max: 0x100000000 });
    const count = int(a, 'count', 'readMemory', { required: true, min: 0, max: MAX_MEMORY_COUNT });
    const start = base + offset;
    if (start < 0 || start > 0xffffffff) throw new DebugError(`readMemory: address ${start} is outside the 32-bit address space`);
    const avail = Math.min(count, 0x100000000 - start);
    const { bytes, unreadable } = this.runtime.readBytes(start, avail);
    return { address: memoryReference(start), data: Buffer.from(bytes).toString('base64'), unreadableBytes: unreadable + (count - avail) };
  }

  private writeMemory(a: Args): DebugProtocol.WriteMemoryResponse['body'] {
    this.requireLaunch('writeMemory');
    this.runtime.requireStopped('writeMemory');
    const refText = str(a, 'memoryReference', 'writeMemory', true) as string;
    const base = parseMemoryReference(refText);
    if (base === undefined) throw new ArgError(`writeMemory: memoryReference '${refText.slice(0, 40)}' is not an address`);
    const offset = int(a, 'offset', 'writeMemory', { min: -0x100000000, max: 0x100000000 });
    const data = str(a, 'data', 'writeMemory', true) as string;
    if (data.length > MAX_MEMORY_COUNT * 2) throw new ArgError('writeMemory: data too large');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw new ArgError('writeMemory: data is not base64');
    const bytes = Buffer.from(data, 'base64');
    const start = base + offset;
    if (start < 0 || start + bytes.length > 0x100000000) throw new DebugError('writeMemory: the range is outside the 32-bit address space');
    const allowPartial = bool(a, 'allowPartial', 'writeMemory') ?? false;
    const n = this.runtime.writeBytes(start, new Uint8Array(bytes));
    if (n < bytes.length && !allowPartial) throw new DebugError(`writeMemory: only ${n} of ${bytes.length} bytes could be written at ${memoryReference(start)} (the rest is not mapped)`);
    this.sendEvent(new DapEvent('memory', { memoryReference: memoryReference(start), offset: 0, count: n }));
    return { offset: 0, bytesWritten: n };
  }

  private disassemble(a: Args): DebugProtocol.DisassembleResponse['body'] {
    this.requireLaunch('disassemble');
    const refText = str(a, 'memoryReference', 'disassemble', true) as string;
    const base = parseMemoryReference(refText);
    if (base === undefined) throw new ArgError(`disassemble: memoryReference '${refText.slice(0, 40)}' is not an address`);
    const offset = int(a, 'offset', 'disassemble', { min: -0x100000000, max: 0x100000000 });
    const insOff = int(a, 'instructionOffset', 'disassemble', { min: -MAX_INSTRUCTIONS, max: MAX_INSTRUCTIONS });
    const count = int(a, 'instructionCount', 'disassemble', { required: true, min: 0, max: MAX_INSTRUCTIONS });
    const syntaxArg = str(a, 'syntax', 'disassemble');
    const syntax = syntaxArg ? parseSyntax(syntaxArg) : undefined;
    const start = (base + offset) >>> 0;
    const lines = this.runtime.disassembleAt(start, insOff, count, syntax);
    const rt = this.runtime;
    let lastFile: string | undefined;
    return {
      instructions: lines.map((l) => {
        const d: DebugProtocol.DisassembledInstruction = {
          address: memoryReference(l.address),
          instructionBytes: l.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' '),
          instruction: l.text,
        };
        const sym = rt.symbols.at(l.address);
        if (sym) d.symbol = sym.name;
        if (l.invalid) d.presentationHint = 'invalid';
        const line = rt.lines.at(l.address);
        if (line) {
          d.line = this.convertDebuggerLineToClient(line.line);
          if (line.file !== lastFile) d.location = new Source(path.basename(line.file), line.file);
          lastFile = line.file;
        }
        return d;
      }),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Misc

  private completions(a: Args): DebugProtocol.CompletionsResponse['body'] {
    this.requireLaunch('completions');
    const text = str(a, 'text', 'completions', true) as string;
    const colClient = int(a, 'column', 'completions', { required: true, min: 0, max: 100000 });
    const col = this.columnsStartAt1 ? colClient : colClient + 1;
    const items = this.runtime.completions(text, col);
    return {
      targets: items.map((i) => ({ label: i.label, type: i.type as DebugProtocol.CompletionItemType, start: this.columnsStartAt1 ? i.start + 1 : i.start, length: i.length })),
    };
  }

  private exceptionInfo(a: Args): DebugProtocol.ExceptionInfoResponse['body'] {
    this.thread(a, 'exceptionInfo');
    this.requireLaunch('exceptionInfo');
    const ex = this.runtime.lastException;
    if (!ex) throw new DebugError('exceptionInfo: the program did not stop on an exception');
    return {
      exceptionId: ex.vector >= 0 ? ex.name.split(' ')[0] : ex.name,
      description: ex.description,
      breakMode: ex.filter === 'tripleFault' ? 'always' : 'always',
      details: { message: ex.description, typeName: ex.name, evaluateName: undefined },
    };
  }

  private gotoTargets(a: Args): DebugProtocol.GotoTargetsResponse['body'] {
    this.requireLaunch('gotoTargets');
    const src = obj(a.source, 'gotoTargets: source');
    const p = str(src, 'path', 'gotoTargets', true) as string;
    const line = this.convertClientLineToDebugger(int(a, 'line', 'gotoTargets', { required: true, min: 0 }));
    const t = this.runtime.gotoTargets(p, line);
    return { targets: t.map((x) => ({ id: x.id, label: x.label, line: this.convertDebuggerLineToClient(x.line), instructionPointerReference: memoryReference(x.address) })) };
  }

  private goto(a: Args): void {
    this.thread(a, 'goto');
    this.requireLaunch('goto');
    const id = int(a, 'targetId', 'goto', { required: true, min: 1, max: 0x100000000 });
    this.runtime.goto(id - 1);
  }

  private loadedSources(): DebugProtocol.LoadedSourcesResponse['body'] {
    this.requireLaunch('loadedSources');
    const p = this.runtime.program;
    const files = p ? [...new Set([...p.sources, ...this.runtime.lines.files])] : [];
    return { sources: files.map((f) => new Source(path.basename(f), f)) };
  }

  private source(a: Args): DebugProtocol.SourceResponse['body'] {
    const src = obj(a.source, 'source: source');
    const p = str(src, 'path', 'source');
    throw new DebugError(`source: no source content available${p ? ` for ${p}` : ''} (sources are read from disk)`);
  }
}
