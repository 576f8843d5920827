/**
 * The extension's entry point: wires the debug adapter (inline in the extension host, or the
 * external `x86vm dap` process), the launch-configuration provider, the Problems panel, the
 * I/O/MMIO breakpoint commands, the VM Breakpoints view, the guest terminal, the VM Screen, the
 * status bar and the x86asm editor help. The logic lives in the pure modules beside this file.
 */
import * as vscode from 'vscode';
import { existsSync, readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { X86DebugSession } from '../adapter/session';
import { linkedLoadProgram } from '../cli/link';
import {
  EVT_BREAKPOINTS_CHANGED, EVT_DIAGNOSTICS, EVT_SCREEN, EVT_STATE,
  type DiagnosticsEvent, type ScreenEvent, type StateEvent,
} from '../adapter/protocol';
import { dynamicConfigs, finishConfig, resolveConfig, type LaunchConfig, type FileAccess } from './config';
import { validateHitCondition, validateIo, validateMmio, inputMessage } from './validate';
import { evaluatableAt, registersInLine } from './editorHelp';
import { VmBreakpointsView } from './breakpointsView';
import { parseDiagnostics, position } from './diagnostics';
import { GuestTerminal } from './terminal';
import { ScreenPanel } from './screen';
import { probeReport, summarizeProbes } from './responsiveness';

const TYPE = 'x86vm';

/** Per-session UI state. */
interface SessionUi {
  session: vscode.DebugSession;
  terminal?: GuestTerminal;
  screen?: ScreenPanel;
  state?: StateEvent;
  lastScreen?: ScreenEvent;
  hadDiagnostics?: boolean;
}

const sessions = new Map<string, SessionUi>();
let statusItem: vscode.StatusBarItem;
let diagnostics: vscode.DiagnosticCollection;
let breakpointsView: VmBreakpointsView;
let extensionUri: vscode.Uri;

const nodeFiles: FileAccess = {
  exists: (p) => existsSync(p),
  readText: (p) => readFileSync(p, 'utf8'),
  readHead: (p, n) => {
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.alloc(n);
      const got = readSync(fd, buf, 0, n, 0);
      return new Uint8Array(buf.buffer, buf.byteOffset, got);
    } finally {
      closeSync(fd);
    }
  },
};

function activeFile(): { path: string; languageId: string } | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.uri.scheme !== 'file') return undefined;
  return { path: doc.uri.fsPath, languageId: doc.languageId };
}

function activeX86Session(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  if (s?.type === TYPE) return s;
  for (const ui of sessions.values()) return ui.session;
  return undefined;
}

class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    const external = (session.configuration as LaunchConfig).useExternalAdapter
      ?? vscode.workspace.getConfiguration('x86vm').get<boolean>('useExternalAdapter', false);
    if (external) {
      const cli = join(extensionUri.fsPath, 'dist', 'cli.js');
      // process.execPath is VS Code's own runtime; ELECTRON_RUN_AS_NODE makes Electron act as node.
      return new vscode.DebugAdapterExecutable(process.execPath, [cli, 'dap'], { env: { ELECTRON_RUN_AS_NODE: '1' } });
    }
    return new vscode.DebugAdapterInlineImplementation(new X86DebugSession(linkedLoadProgram));
  }
}

class ConfigProvider implements vscode.DebugConfigurationProvider {
  resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    const r = resolveConfig(config as Partial<LaunchConfig>, activeFile());
    if (!r.ok) {
      void vscode.window.showErrorMessage(r.message);
      return undefined;
    }
    return r.config;
  }

  resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    const r = finishConfig(config as LaunchConfig, nodeFiles);
    if (!r.ok) {
      void vscode.window.showErrorMessage(r.message);
      return undefined;
    }
    return r.config;
  }

  provideDebugConfigurations(): vscode.ProviderResult<vscode.DebugConfiguration[]> {
    return [{ type: TYPE, request: 'launch', name: 'x86 VM: debug current file', program: '${file}', stopOnEntry: false, console: 'integratedTerminal' }];
  }
}

class DynamicConfigProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const uris = await vscode.workspace.findFiles('**/*.{asm,nasm,com,img}', '**/node_modules/**', 30);
    return dynamicConfigs(uris.map((u) => u.fsPath).sort(), folder?.uri.fsPath, activeFile());
  }
}

function setDiagnostics(ev: DiagnosticsEvent): void {
  diagnostics.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const d of ev.diagnostics ?? []) {
    const p = position(d);
    const diag = new vscode.Diagnostic(new vscode.Range(p.line, p.character, p.line, p.character), d.message,
      d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
    diag.source = 'x86vm asm';
    const list = byFile.get(d.file) ?? [];
    list.push(diag);
    byFile.set(d.file, list);
  }
  for (const [file, list] of byFile) diagnostics.set(vscode.Uri.file(file), list);
}

function updateStatus(): void {
  const ui = [...sessions.values()].find((u) => u.session === vscode.debug.activeDebugSession) ?? [...sessions.values()][0];
  if (!ui?.state) {
    statusItem.hide();
    return;
  }
  const s = ui.state;
  const icon = s.state === 'running' ? '$(sync~spin)' : s.state === 'stopped' ? '$(debug-pause)' : '$(debug-stop)';
  statusItem.text = `${icon} x86 VM ${s.platform}: ${s.state} · ${s.instructions.toLocaleString('en-US')} instr`;
  statusItem.tooltip = `x86 VM (${s.platform}) is ${s.state}; ${s.instructions} instructions executed. Click for the VM Screen.`;
  statusItem.show();
}

function screenFor(ui: SessionUi, reveal: boolean): ScreenPanel {
  if (!ui.screen || ui.screen.disposed) {
    ui.screen = new ScreenPanel(ui.session, extensionUri);
  } else if (reveal) {
    ui.screen.reveal();
  }
  if (ui.lastScreen) ui.screen.update(ui.lastScreen);
  return ui.screen;
}

function onAdapterMessage(ui: SessionUi, m: { type?: string; event?: string; command?: string; success?: boolean; message?: string; body?: unknown }): void {
  if (m.type === 'response' && m.command === 'launch' && m.success === false) {
    // An adapter without the x86vm/diagnostics event still names errors as file:line:col lines.
    const err = (m.body as { error?: { format?: string } } | undefined)?.error?.format ?? m.message ?? '';
    const found = parseDiagnostics(err);
    if (found.length > 0 && !ui.hadDiagnostics) setDiagnostics({ diagnostics: found });
    return;
  }
  if (m.type !== 'event') return;
  switch (m.event) {
    case 'output': {
      const body = m.body as { category?: string; output?: string };
      if (ui.terminal && (body.category === 'stdout' || body.category === 'stderr') && body.output) ui.terminal.write(body.output);
      break;
    }
    case EVT_SCREEN: {
      ui.lastScreen = m.body as ScreenEvent;
      const mode = vscode.workspace.getConfiguration('x86vm').get<string>('openScreen', 'auto');
      if (ui.screen && !ui.screen.disposed) ui.screen.update(ui.lastScreen);
      else if (mode === 'always' || (mode === 'auto' && !ui.screen)) screenFor(ui, false);
      break;
    }
    case EVT_STATE:
      ui.state = m.body as StateEvent;
      updateStatus();
      break;
    case EVT_DIAGNOSTICS:
      ui.hadDiagnostics = true;
      setDiagnostics(m.body as DiagnosticsEvent);
      break;
    case EVT_BREAKPOINTS_CHANGED:
    case 'stopped':
    case 'breakpoint':
      breakpointsView.refresh();
      break;
    case 'terminated':
    case 'exited':
      ui.terminal?.exited(m.event === 'exited' ? (m.body as { exitCode?: number }).exitCode : undefined);
      break;
  }
}

function sessionUi(session: vscode.DebugSession): SessionUi {
  let ui = sessions.get(session.id);
  if (ui) return ui;
  const config = session.configuration as LaunchConfig;
  ui = { session };
  sessions.set(session.id, ui);
  diagnostics.clear();
  if ((config.console ?? 'integratedTerminal') === 'integratedTerminal') {
    const name = (config.program ?? 'guest').split(/[\\/]/).pop() ?? 'guest';
    ui.terminal = new GuestTerminal(session, `x86 VM: ${name}`, config.platform !== 'pc');
  }
  return ui;
}

async function addPortOrMmioBreakpoint(kind: 'io' | 'mmio'): Promise<void> {
  const io = kind === 'io';
  const spec = await vscode.window.showInputBox({
    title: io ? 'Add I/O Port Breakpoint' : 'Add MMIO Breakpoint',
    prompt: io ? 'Port or range, and access (r, w, rw; default rw)' : 'Physical address, +length, and access (r, w, rw; default rw)',
    placeHolder: io ? '0x3f8-0x3ff w' : '0xb8000+4000 w',
    validateInput: (text) => (io ? inputMessage(validateIo(text)) : inputMessage(validateMmio(text))),
  });
  if (spec === undefined) return;
  const parsed = io ? validateIo(spec) : validateMmio(spec);
  if (!parsed.ok) return;
  const hit = await vscode.window.showInputBox({
    title: `${parsed.value.text}: hit condition (optional)`,
    prompt: 'Stop only on some hits: 5 · >=5 · <=5 · 5..8 · %3 — empty stops on every hit',
    validateInput: (text) => inputMessage(validateHitCondition(text)),
  });
  if (hit === undefined) return;
  vscode.debug.addBreakpoints([new vscode.FunctionBreakpoint(parsed.value.text, true, undefined, hit.trim() === '' ? undefined : hit.trim())]);
}

export function activate(context: vscode.ExtensionContext): void {
  extensionUri = context.extensionUri;
  diagnostics = vscode.languages.createDiagnosticCollection('x86vm');
  statusItem = vscode.window.createStatusBarItem('x86vm.state', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'x86 VM';
  statusItem.command = 'x86vm.showScreen';
  breakpointsView = new VmBreakpointsView(activeX86Session);

  context.subscriptions.push(
    diagnostics,
    statusItem,
    vscode.debug.registerDebugAdapterDescriptorFactory(TYPE, new AdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(TYPE, new ConfigProvider()),
    vscode.debug.registerDebugConfigurationProvider(TYPE, new DynamicConfigProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
    vscode.debug.registerDebugAdapterTrackerFactory(TYPE, {
      // Called before the adapter starts, so no early event (diagnostics, output) is missed.
      createDebugAdapterTracker(session) {
        const ui = sessionUi(session);
        return { onDidSendMessage: (m: Parameters<typeof onAdapterMessage>[1]) => onAdapterMessage(ui, m) };
      },
    }),
    vscode.debug.onDidStartDebugSession((session) => {
      if (session.type !== TYPE) return;
      void vscode.commands.executeCommand('setContext', 'x86vm.hasSession', true);
      breakpointsView.refresh();
    }),
    vscode.debug.onDidTerminateDebugSession((session) => {
      const ui = sessions.get(session.id);
      if (!ui) return;
      ui.terminal?.exited(undefined);
      sessions.delete(session.id);
      if (sessions.size === 0) void vscode.commands.executeCommand('setContext', 'x86vm.hasSession', false);
      updateStatus();
      breakpointsView.refresh();
    }),
    vscode.debug.onDidChangeActiveDebugSession(() => { updateStatus(); breakpointsView.refresh(); }),
    vscode.window.registerTreeDataProvider('x86vm.breakpoints', breakpointsView),
    vscode.commands.registerCommand('x86vm.addIoBreakpoint', () => addPortOrMmioBreakpoint('io')),
    vscode.commands.registerCommand('x86vm.addMmioBreakpoint', () => addPortOrMmioBreakpoint('mmio')),
    vscode.commands.registerCommand('x86vm.breakpoints.refresh', () => breakpointsView.refresh()),
    vscode.commands.registerCommand('x86vm.breakpoints.enable', (n: unknown) => breakpointsView.setEnabled(n, true)),
    vscode.commands.registerCommand('x86vm.breakpoints.disable', (n: unknown) => breakpointsView.setEnabled(n, false)),
    vscode.commands.registerCommand('x86vm.breakpoints.remove', (n: unknown) => breakpointsView.remove(n)),
    vscode.commands.registerCommand('x86vm.showScreen', () => {
      const s = activeX86Session();
      const ui = s && sessions.get(s.id);
      if (!ui) { void vscode.window.showInformationMessage('x86 VM: no debug session is running.'); return; }
      screenFor(ui, true);
    }),
    vscode.commands.registerCommand('x86vm.showTerminal', () => {
      const s = activeX86Session();
      const ui = s && sessions.get(s.id);
      ui?.terminal?.show();
    }),
    vscode.commands.registerCommand('x86vm.showState', () => {
      const s = activeX86Session();
      const st = s && sessions.get(s.id)?.state;
      const at = new Date().toISOString().slice(11, 23);
      const text = st ? `x86 VM (${st.platform}): ${st.state}, ${st.instructions.toLocaleString('en-US')} instructions (at ${at} UTC)` : `x86 VM: no machine is running (at ${at} UTC)`;
      void vscode.window.showInformationMessage(text);
      return text;
    }),
    // A command answered on a later turn of the event loop: it waits behind a running machine slice.
    vscode.commands.registerCommand('x86vm.ping', () => new Promise<number>((r) => setTimeout(() => r(performance.now()), 0))),
    vscode.commands.registerCommand('x86vm.measureResponsiveness', async (n?: unknown) => {
      const count = typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 200 ? n : 21;
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await vscode.commands.executeCommand('x86vm.ping');
        times.push(performance.now() - t0);
        // spread the probes over different moments of the machine's slices
        await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 23)));
      }
      const s = activeX86Session();
      const st = s && sessions.get(s.id)?.state;
      const summary = summarizeProbes(times);
      void vscode.window.showInformationMessage(probeReport(summary, st ? st.state : 'not running'));
      return summary;
    }),
    vscode.languages.registerEvaluatableExpressionProvider('x86asm', {
      provideEvaluatableExpression(document, position) {
        const span = evaluatableAt(document.lineAt(position.line).text, position.character);
        return span && new vscode.EvaluatableExpression(new vscode.Range(position.line, span.start, position.line, span.end), span.expression);
      },
    }),
    vscode.languages.registerInlineValuesProvider('x86asm', {
      provideInlineValues(document, _viewPort, context) {
        const line = context.stoppedLocation.end.line;
        if (line >= document.lineCount) return [];
        return registersInLine(document.lineAt(line).text).map((s) =>
          new vscode.InlineValueEvaluatableExpression(new vscode.Range(line, s.start, line, s.end), s.expression));
      },
    }),
  );

}

export function deactivate(): void {
  sessions.clear();
}
