/** The "VM Breakpoints" tree view: every breakpoint of the machine, live (model in breakpointsModel.ts). */
import * as vscode from 'vscode';
import { REQ_CLEAR_BREAKPOINT, REQ_LIST_BREAKPOINTS, REQ_SET_BREAKPOINT_ENABLED, type VmBreakpointInfo } from '../adapter/protocol';
import { groupBreakpoints, type BreakpointRow, type KindGroup } from './breakpointsModel';

type Node = { group: KindGroup } | { row: BreakpointRow };

export class VmBreakpointsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly session: () => vscode.DebugSession | undefined) {}

  /** Re-reads the list soon (events come in bursts while stepping). */
  refresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.changed.fire(undefined); }, 50);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ('group' in node) {
      const item = new vscode.TreeItem(node.group.label, vscode.TreeItemCollapsibleState.Expanded);
      item.contextValue = 'group';
      return item;
    }
    const r = node.row;
    const item = new vscode.TreeItem(r.label, vscode.TreeItemCollapsibleState.None);
    item.id = `bp-${r.id}`;
    item.description = r.description;
    item.tooltip = r.tooltip;
    item.contextValue = r.contextValue;
    item.iconPath = new vscode.ThemeIcon(r.icon);
    return item;
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node && 'group' in node) return node.group.rows.map((row) => ({ row }));
    if (node) return [];
    const s = this.session();
    if (!s) return [];
    try {
      const res = (await s.customRequest(REQ_LIST_BREAKPOINTS)) as { breakpoints?: VmBreakpointInfo[] } | undefined;
      return groupBreakpoints(res?.breakpoints ?? []).map((group) => ({ group }));
    } catch {
      return [];
    }
  }

  private idOf(n: unknown): number | undefined {
    if (n && typeof n === 'object' && 'row' in n) return (n as { row: BreakpointRow }).row.id;
    return undefined;
  }

  async setEnabled(n: unknown, enabled: boolean): Promise<void> {
    const id = this.idOf(n);
    const s = this.session();
    if (id === undefined || !s) return;
    try {
      await s.customRequest(REQ_SET_BREAKPOINT_ENABLED, { id, enabled });
    } catch (e) {
      void vscode.window.showWarningMessage(`x86 VM: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.refresh();
  }

  async remove(n: unknown): Promise<void> {
    const id = this.idOf(n);
    const s = this.session();
    if (id === undefined || !s) return;
    try {
      await s.customRequest(REQ_CLEAR_BREAKPOINT, { id });
    } catch (e) {
      void vscode.window.showWarningMessage(`x86 VM: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.refresh();
  }
}
