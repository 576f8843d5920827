/**
 * The "VM Breakpoints" tree, as data: VmBreakpointInfo (from x86vm/listBreakpoints) → the rows the
 * TreeDataProvider shows. Pure, so the labels, grouping and context values are unit-tested.
 */
import type { VmBreakpointInfo } from '../adapter/protocol';

export interface BreakpointRow {
  id: number;
  label: string;
  description: string;
  tooltip: string;
  /** `breakpoint enabled|disabled [spent]`: drives the inline enable/disable/remove actions. */
  contextValue: string;
  /** A codicon id. */
  icon: string;
}

export interface KindGroup {
  kind: VmBreakpointInfo['kind'];
  label: string;
  rows: BreakpointRow[];
}

const KIND_LABEL: Record<VmBreakpointInfo['kind'], string> = {
  software: 'Software (INT3)',
  hardware: 'Hardware (DR0–DR3)',
  emulator: 'Emulator',
  watch: 'Memory watch',
  port: 'I/O port',
  mmio: 'MMIO',
};
const KIND_ORDER: VmBreakpointInfo['kind'][] = ['software', 'hardware', 'emulator', 'watch', 'port', 'mmio'];

/** `5..8`, `>=5`, `every hit`, `%3 from 3` — the trigger/disable window in hit-condition words. */
export function windowText(bp: Pick<VmBreakpointInfo, 'trigger' | 'disable' | 'period'>): string {
  const trigger = Math.max(1, bp.trigger);
  let w: string;
  if (bp.disable === null) w = trigger === 1 ? 'every hit' : `>=${trigger}`;
  else if (bp.disable === trigger) w = `==${trigger}`;
  else w = `${trigger}..${bp.disable}`;
  if (bp.period > 1) w = `every ${bp.period}${w === 'every hit' ? '' : ', ' + w}`;
  return w;
}

export function toRow(bp: VmBreakpointInfo): BreakpointRow {
  const window = windowText(bp);
  const state = bp.spent ? 'spent' : bp.enabled ? 'enabled' : 'disabled';
  const slot = bp.kind === 'hardware' && bp.slot !== undefined ? ` DR${bp.slot}` : '';
  return {
    id: bp.id,
    label: `#${bp.id} ${bp.location}`,
    description: `${bp.kind}${slot} · hits ${bp.hits} · ${window}${bp.spent ? ' · spent' : bp.enabled ? '' : ' · disabled'}`,
    tooltip: `Breakpoint ${bp.id} (${KIND_LABEL[bp.kind]}${slot})\n${bp.location}\n${state}; ${bp.hits} hit${bp.hits === 1 ? '' : 's'}; stops on hits ${window}`,
    contextValue: `breakpoint ${bp.enabled ? 'enabled' : 'disabled'}${bp.spent ? ' spent' : ''}`,
    icon: bp.spent ? 'debug-breakpoint-unverified' : bp.enabled ? (bp.kind === 'port' || bp.kind === 'mmio' || bp.kind === 'watch' || (bp.kind === 'hardware' && !/^0x[0-9a-f]+( |$)/i.test(bp.location)) ? 'debug-breakpoint-data' : 'debug-breakpoint') : 'debug-breakpoint-disabled',
  };
}

/** Rows grouped by kind, in a fixed kind order, each group sorted by id; empty groups left out. */
export function groupBreakpoints(list: readonly VmBreakpointInfo[]): KindGroup[] {
  const groups: KindGroup[] = [];
  for (const kind of KIND_ORDER) {
    const rows = list.filter((b) => b.kind === kind).sort((a, b) => a.id - b.id).map(toRow);
    if (rows.length > 0) groups.push({ kind, label: `${KIND_LABEL[kind]} (${rows.length})`, rows });
  }
  return groups;
}
