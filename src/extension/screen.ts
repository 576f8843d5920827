/** "VM Screen": a webview rendering VGA text mode (x86vm/screen) and sending keys (x86vm/key). */
import * as vscode from 'vscode';
import { REQ_KEY, type ScreenEvent } from '../adapter/protocol';
import { screenRows, VGA_PALETTE } from './vga';
import { scancodes } from './scancodes';

export class ScreenPanel {
  private readonly panel: vscode.WebviewPanel;
  disposed = false;

  constructor(private readonly session: vscode.DebugSession, _extensionUri: vscode.Uri) {
    this.panel = vscode.window.createWebviewPanel('x86vm.screen', `VM Screen: ${session.name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: true });
    this.panel.webview.html = html();
    this.panel.onDidDispose(() => { this.disposed = true; });
    this.panel.webview.onDidReceiveMessage((m: { type?: string; code?: string; down?: boolean }) => {
      if (m.type !== 'key' || typeof m.code !== 'string') return;
      const codes = scancodes(m.code, m.down !== false);
      if (codes.length > 0) void this.session.customRequest(REQ_KEY, { scancodes: codes }).then(undefined, () => undefined);
    });
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  update(ev: ScreenEvent): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage({ type: 'screen', cols: ev.cols, rows: screenRows(ev), cursor: ev.cursor });
  }
}

function html(): string {
  const nonce = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const palette = JSON.stringify(VGA_PALETTE);
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>
 body { background: #1e1e1e; margin: 0; padding: 8px; }
 #screen { position: relative; display: inline-block; background: #000; padding: 4px; outline: none;
   font: 16px/1.0 "DejaVu Sans Mono", Consolas, "Courier New", monospace; white-space: pre; }
 #screen:focus { box-shadow: 0 0 0 2px #007acc; }
 #cursor { position: absolute; height: 2px; background: #aaa; animation: blink 1s steps(1) infinite; }
 .blink { animation: blink 1s steps(1) infinite; }
 @keyframes blink { 50% { visibility: hidden; } }
 #hint { color: #888; font: 12px sans-serif; margin-top: 6px; }
</style></head><body>
<div id="screen" tabindex="0"><div id="rows"></div><div id="cursor"></div></div>
<div id="hint">Click the screen to type: keys go to the guest's keyboard controller (scancode set 1).</div>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const P = ${palette};
const screen = document.getElementById('screen'), rowsEl = document.getElementById('rows'), cur = document.getElementById('cursor');
window.addEventListener('message', (e) => {
  const m = e.data; if (m.type !== 'screen') return;
  const frag = document.createDocumentFragment();
  for (const runs of m.rows) {
    const line = document.createElement('div');
    for (const r of runs) { const s = document.createElement('span'); s.textContent = r.text; s.style.color = P[r.fg]; s.style.background = P[r.bg]; if (r.blink) s.className = 'blink'; line.appendChild(s); }
    if (runs.length === 0) line.textContent = ' ';
    frag.appendChild(line);
  }
  rowsEl.replaceChildren(frag);
  const first = rowsEl.firstChild; const cw = first ? first.getBoundingClientRect().width / m.cols : 9; const ch = first ? first.getBoundingClientRect().height : 16;
  cur.style.display = m.cursor.visible ? 'block' : 'none';
  cur.style.left = (4 + m.cursor.col * cw) + 'px'; cur.style.top = (4 + m.cursor.row * ch + ch - 3) + 'px'; cur.style.width = cw + 'px';
});
screen.addEventListener('keydown', (e) => { vscode.postMessage({ type: 'key', code: e.code, down: true }); e.preventDefault(); });
screen.addEventListener('keyup', (e) => { vscode.postMessage({ type: 'key', code: e.code, down: false }); e.preventDefault(); });
</script></body></html>`;
}
