// VM Breakpoints tree model, VGA screen rows, scancodes, terminal line discipline and editor help.
// Oracles: SPEC §4/§5 windows, the IBM PC/AT scancode set 1 table, code page 437, VGA attributes.
import { strict as assert } from 'node:assert';
import { groupBreakpoints, toRow, windowText } from '../../src/extension/breakpointsModel';
import { cp437, screenRows, screenText, VGA_PALETTE } from '../../src/extension/vga';
import { scancodes } from '../../src/extension/scancodes';
import { LineDiscipline, toTerminal } from '../../src/extension/terminalInput';
import { evaluatableAt, registersInLine } from '../../src/extension/editorHelp';
import type { VmBreakpointInfo } from '../../src/adapter/protocol';

const bp = (o: Partial<VmBreakpointInfo> & Pick<VmBreakpointInfo, 'id' | 'kind' | 'location'>): VmBreakpointInfo => ({
  enabled: true, hits: 0, trigger: 1, disable: null, period: 0, spent: false, ...o,
});

describe('extension: VM Breakpoints tree model', () => {
  it('writes trigger/disable windows the way hit conditions are written', () => {
    assert.equal(windowText({ trigger: 1, disable: null, period: 0 }), 'every hit');
    assert.equal(windowText({ trigger: 0, disable: null, period: 0 }), 'every hit', 'trigger 0 means 1');
    assert.equal(windowText({ trigger: 5, disable: 5, period: 0 }), '==5');
    assert.equal(windowText({ trigger: 5, disable: null, period: 0 }), '>=5');
    assert.equal(windowText({ trigger: 5, disable: 8, period: 0 }), '5..8');
    assert.equal(windowText({ trigger: 3, disable: null, period: 3 }), 'every 3, >=3');
  });

  it('groups by kind in a fixed order, sorted by id, with counts', () => {
    const groups = groupBreakpoints([
      bp({ id: 7, kind: 'port', location: 'port 0x3f8-0x3ff w', hits: 3, trigger: 5, disable: 8 }),
      bp({ id: 2, kind: 'software', location: '0x7c05 (loop_top)' }),
      bp({ id: 1, kind: 'software', location: '0x7c00 (start)', hits: 1 }),
      bp({ id: 4, kind: 'hardware', location: 'write 4 0x500 (counter)', slot: 2 }),
    ]);
    assert.deepEqual(groups.map((g) => g.label), ['Software (INT3) (2)', 'Hardware (DR0–DR3) (1)', 'I/O port (1)']);
    assert.deepEqual(groups[0].rows.map((r) => r.id), [1, 2]);
    assert.equal(groups[1].rows[0].description, 'hardware DR2 · hits 0 · every hit');
    assert.equal(groups[2].rows[0].label, '#7 port 0x3f8-0x3ff w');
    assert.equal(groups[2].rows[0].description, 'port · hits 3 · 5..8');
    assert.equal(groups[2].rows[0].icon, 'debug-breakpoint-data');
    assert.deepEqual(groupBreakpoints([]), []);
  });

  it('context values drive enable/disable/remove; spent breakpoints say so', () => {
    const on = toRow(bp({ id: 1, kind: 'emulator', location: '0x7c00' }));
    assert.equal(on.contextValue, 'breakpoint enabled');
    assert.equal(on.icon, 'debug-breakpoint');
    const off = toRow(bp({ id: 2, kind: 'mmio', location: 'mmio 0xb8000+4000 w', enabled: false }));
    assert.equal(off.contextValue, 'breakpoint disabled');
    assert.match(off.description, /disabled$/);
    assert.equal(off.icon, 'debug-breakpoint-disabled');
    const spent = toRow(bp({ id: 3, kind: 'software', location: '0x7c10', hits: 9, trigger: 5, disable: 8, spent: true }));
    assert.equal(spent.contextValue, 'breakpoint enabled spent');
    assert.match(spent.description, /hits 9 · 5\.\.8 · spent/);
    assert.match(spent.tooltip, /spent; 9 hits; stops on hits 5\.\.8/);
    // The manifest's menus use these context values.
    const when = /viewItem =~ \/\\bdisabled\\b\//;
    assert.ok(when.test("view == x86vm.breakpoints && viewItem =~ /\\bdisabled\\b/"));
  });
});

describe('extension: VM Screen, keyboard and terminal', () => {
  it('renders VGA cells as colour runs (attribute = blink|bg<<4|fg)', () => {
    const cols = 4;
    const cells = [0x1f48, 0x1f69, 0x0720, 0x8e21, 0x0720, 0x0720, 0x0720, 0x0720];
    const rows = screenRows({ cols, rows: 2, cells, cursor: { row: 0, col: 2, visible: true } });
    assert.deepEqual(rows[0], [
      { text: 'Hi', fg: 15, bg: 1, blink: false },
      { text: ' ', fg: 7, bg: 0, blink: false },
      { text: '!', fg: 14, bg: 0, blink: true },
    ]);
    assert.equal(screenText({ cols, rows: 2, cells, cursor: { row: 0, col: 0, visible: false } }), 'Hi !');
    assert.equal(VGA_PALETTE.length, 16);
    assert.equal(VGA_PALETTE[6], '#aa5500', 'brown, not dark yellow');
  });

  it('maps code page 437', () => {
    assert.equal(cp437(0x41), 'A');
    assert.equal(cp437(0x01), '☺');
    assert.equal(cp437(0xb0), '░');
    assert.equal(cp437(0xc9), '╔');
    assert.equal(cp437(0xdb), '█');
    assert.equal(cp437(0xe1), 'ß');
    assert.equal(cp437(0xfe), '■');
    for (let b = 0; b < 256; b++) assert.equal([...cp437(b)].length, 1, `byte ${b}`);
  });

  it('produces scancode set 1 make and break codes', () => {
    assert.deepEqual(scancodes('KeyA', true), [0x1e]);
    assert.deepEqual(scancodes('KeyA', false), [0x9e]);
    assert.deepEqual(scancodes('Enter', true), [0x1c]);
    assert.deepEqual(scancodes('Escape', true), [0x01]);
    assert.deepEqual(scancodes('Space', false), [0xb9]);
    assert.deepEqual(scancodes('ArrowUp', true), [0xe0, 0x48]);
    assert.deepEqual(scancodes('ArrowUp', false), [0xe0, 0xc8]);
    assert.deepEqual(scancodes('ControlRight', true), [0xe0, 0x1d]);
    assert.deepEqual(scancodes('F12', true), [0x58]);
    assert.deepEqual(scancodes('LaunchMail', true), []);
  });

  it('cooks terminal input for linux32/dos and passes it raw for pc', () => {
    const cooked = new LineDiscipline(true);
    assert.deepEqual(cooked.input('ab'), { echo: 'ab', send: [] });
    assert.deepEqual(cooked.input('\x7fc'), { echo: '\b \bc', send: [] });
    assert.deepEqual(cooked.input('\r'), { echo: '\r\n', send: ['ac\n'] });
    assert.deepEqual(cooked.input('\x04'), { echo: '', send: [], eof: true });
    assert.deepEqual(cooked.input('x\x04'), { echo: 'x', send: ['x'] });
    const raw = new LineDiscipline(false);
    assert.deepEqual(raw.input('a\r'), { echo: '', send: ['a\r'] });
    assert.equal(toTerminal('a\nb\r\nc'), 'a\r\nb\r\nc');
  });
});

describe('extension: x86asm hovers and inline values', () => {
  const line = 'loop:   mov eax, dword [counter+4] ; eax = counter';
  it('hovers registers, labels and memory operands, not mnemonics or comments', () => {
    assert.deepEqual(evaluatableAt(line, line.indexOf('eax')), { start: 12, end: 15, expression: 'eax' });
    assert.deepEqual(evaluatableAt(line, line.indexOf('counter')), { start: 17, end: 34, expression: 'dword [counter+4]' });
    assert.equal(evaluatableAt(line, line.indexOf('mov')), undefined);
    assert.equal(evaluatableAt(line, line.indexOf('; eax') + 3), undefined);
    assert.deepEqual(evaluatableAt(line, 1), { start: 0, end: 4, expression: 'loop' });
    const l2 = '        jmp .next';
    assert.deepEqual(evaluatableAt(l2, 13), { start: 12, end: 17, expression: '.next' });
    assert.deepEqual(evaluatableAt('  mov al, [si]', 11), { start: 10, end: 14, expression: 'dword [si]' });
    assert.equal(evaluatableAt('  mov ax, 0x10', 13), undefined);
    assert.equal(evaluatableAt('[bits 16]', 3), undefined);
  });

  it('finds each register of the line once for inline values', () => {
    assert.deepEqual(registersInLine('  add eax, ebx ; eax').map((s) => s.expression), ['eax', 'ebx']);
    assert.deepEqual(registersInLine('  mov [es:di], AL').map((s) => s.expression), ['es', 'di', 'al']);
    assert.deepEqual(registersInLine('msg db "eax"'), []);
    assert.deepEqual(registersInLine('  mov eax, .eax_label'), [{ start: 6, end: 9, expression: 'eax' }]);
  });
});
