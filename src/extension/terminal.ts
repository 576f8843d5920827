/** The guest console as an integrated terminal (Pseudoterminal): output in, keystrokes to x86vm/input. */
import * as vscode from 'vscode';
import { REQ_INPUT } from '../adapter/protocol';
import { LineDiscipline, toTerminal } from './terminalInput';

export class GuestTerminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly terminal: vscode.Terminal;
  private readonly pending: string[] = [];
  private opened = false;
  private done = false;
  private readonly discipline: LineDiscipline;

  constructor(private readonly session: vscode.DebugSession, name: string, cooked: boolean) {
    this.discipline = new LineDiscipline(cooked);
    const pty: vscode.Pseudoterminal = {
      onDidWrite: this.writeEmitter.event,
      open: () => {
        this.opened = true;
        for (const t of this.pending.splice(0)) this.writeEmitter.fire(t);
      },
      close: () => { this.opened = false; },
      handleInput: (data) => this.input(data),
    };
    this.terminal = vscode.window.createTerminal({ name, pty, iconPath: new vscode.ThemeIcon('vm') });
    this.terminal.show(true);
  }

  show(): void {
    this.terminal.show(false);
  }

  write(text: string): void {
    const t = toTerminal(text);
    if (this.opened) this.writeEmitter.fire(t);
    else this.pending.push(t);
  }

  exited(code: number | undefined): void {
    if (this.done) return;
    this.done = true;
    this.write(`\r\n\x1b[2m[x86 VM: ${code === undefined ? 'session ended' : `guest exited with status ${code}`}]\x1b[0m\r\n`);
  }

  private input(data: string): void {
    if (this.done) return;
    const r = this.discipline.input(data);
    if (r.echo) this.writeEmitter.fire(r.echo);
    for (const text of r.send) void this.session.customRequest(REQ_INPUT, { text }).then(undefined, () => undefined);
    if (r.eof) void this.session.customRequest(REQ_INPUT, { text: '', eof: true }).then(undefined, () => undefined);
  }
}
