/**
 * Custom DAP requests and events of the x86vm adapter, shared by the adapter (which answers them)
 * and the VS Code extension (which sends/receives them through `session.customRequest`).
 */

export interface VmBreakpointInfo {
  id: number;
  enabled: boolean;
  kind: 'software' | 'hardware' | 'emulator' | 'watch' | 'port' | 'mmio';
  /** Human-readable location: `0x7c05 (loop_top)`, `port 0x3f8-0x3ff w`, `mmio 0xb8000+4000 rw`. */
  location: string;
  hits: number;
  trigger: number;
  /** null = unbounded. */
  disable: number | null;
  /** Period from `%N` hit conditions, 0 = none. */
  period: number;
  spent: boolean;
  /** DR slot for hardware breakpoints. */
  slot?: number;
}

/** Request `x86vm/listBreakpoints` → `{ breakpoints: VmBreakpointInfo[] }`. */
export const REQ_LIST_BREAKPOINTS = 'x86vm/listBreakpoints';
/** Request `x86vm/setBreakpointEnabled` with `{ id, enabled }`. */
export const REQ_SET_BREAKPOINT_ENABLED = 'x86vm/setBreakpointEnabled';
/** Request `x86vm/clearBreakpoint` with `{ id }`. */
export const REQ_CLEAR_BREAKPOINT = 'x86vm/clearBreakpoint';
/** Request `x86vm/input` with `{ text }`: keyboard/serial input typed in the terminal. */
export const REQ_INPUT = 'x86vm/input';
/** Request `x86vm/key` with `{ scancodes: number[] }`: keys pressed in the VM Screen (set 1). */
export const REQ_KEY = 'x86vm/key';

/** Event `x86vm/breakpointsChanged` (no body): re-read the list. */
export const EVT_BREAKPOINTS_CHANGED = 'x86vm/breakpointsChanged';
/** Event `x86vm/screen` with ScreenEvent: VGA text-mode contents. */
export const EVT_SCREEN = 'x86vm/screen';
/** Event `x86vm/state` with StateEvent. */
export const EVT_STATE = 'x86vm/state';

export interface ScreenEvent {
  cols: number;
  rows: number;
  /** cols*rows cells, each `char | attr << 8` (VGA text memory layout). */
  cells: number[];
  cursor: { row: number; col: number; visible: boolean };
}

export interface StateEvent {
  state: 'running' | 'stopped' | 'exited';
  instructions: number;
  platform: string;
}

/** One assembler (or loader) message for the Problems panel; line and column are 1-based. */
export interface DiagnosticInfo {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}
/**
 * Event `x86vm/diagnostics` with DiagnosticsEvent: the assembler's errors and warnings for the
 * launched program. Sent before the launch response (also when the launch fails because of them);
 * the extension shows them in the Problems panel. An empty list clears earlier ones.
 */
export const EVT_DIAGNOSTICS = 'x86vm/diagnostics';
export interface DiagnosticsEvent {
  diagnostics: DiagnosticInfo[];
}
