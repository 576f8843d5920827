/** The breakpoint engine (SPEC §4, §5): manager, hit-condition grammar, breakpoint commands. */
export { BreakpointManager } from './manager';
export type { DebugTarget } from './manager';
export * from './types';
export { parseHitCondition, isHitConditionError, formatWindow, EVERY_HIT, HIT_CONDITION_FORMS } from './hitCondition';
export type { HitWindow, HitConditionError } from './hitCondition';
export {
  parseBreakCommand,
  executeBreakCommand,
  isBreakCommand,
  formatBreakpointList,
  armBreakCommands,
  hitToJson,
  jsonHitReporter,
  parseNumber,
} from './commands';
export type { BreakCommand, BreakCommandResult, SymbolResolver } from './commands';
