/**
 * TEMPORARY stand-in for src/adapter's X86DebugSession until the debug adapter lands on main; it
 * only lets this branch compile and bundle. It answers `initialize` and refuses `launch`.
 * Delete this file and import { X86DebugSession } from '../adapter/session' when it exists.
 */
import { LoggingDebugSession } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';

export class X86DebugSession extends LoggingDebugSession {
  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = { supportsConfigurationDoneRequest: true };
    this.sendResponse(response);
  }
  protected override launchRequest(response: DebugProtocol.LaunchResponse): void {
    this.sendErrorResponse(response, 1, 'x86 VM: the debug adapter is not part of this build yet.');
  }
}
