// The built-in BIOS and DOS services, run in-process on the real CPU.
// Oracle: the IBM PC/AT BIOS interface as documented in Ralf Brown's Interrupt List (register
// conventions, BDA layout, E820 record format, int 13h CHS geometry, int 21h functions).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Reg } from '../../../src/vm/cpuApi';
import { StopReason } from '../../../src/vm/hooks';
import { Machine } from '../../../src/vm/machine';
import { setupBootImage } from '../../../src/vm/platform/pc';
import { setupDos } from '../../../src/vm/platform/dos';

let tmp = '';
function asm(src: string): Uint8Array {
  const f = path.join(tmp, 't.asm');
  fs.writeFileSync(f, src);
  const r = spawnSync('nasm', ['-f', 'bin', f, '-o', f + '.bin'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Uint8Array(fs.readFileSync(f + '.bin'));
}

function boot(body: string, input?: string): { m: Machine; out: string; r: StopReason } {
  const m = new Machine({ platform: 'pc', memory: 16 << 20 });
  setupBootImage(m, asm(`[org 0x7c00]\nbits 16\n${body}\n`));
  let out = '';
  m.onConsole = (t) => (out += t);
  if (input !== undefined) { m.input(input); m.endInput(); }
  let r = StopReason.Budget;
  for (let i = 0; i < 100 && r === StopReason.Budget && !m.blockedOnInput; i++) r = m.run(1_000_000);
  return { m, out, r };
}

const lin = (m: Machine, a: number) => m.physRead8(a);
const w16 = (m: Machine, a: number) => m.physRead16(a);
const d32 = (m: Machine, a: number) => m.physRead32(a);

describe('built-in PC BIOS (Ralf Brown\'s Interrupt List conventions)', function () {
  this.timeout(30000);
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-bios-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('boots at 0000:7C00 with DL = boot drive 0x80, IVT entries pointing into F000, BDA set up', () => {
    const { m, r } = boot('mov [0x600], dl\ncli\nhlt');
    assert.equal(r, StopReason.Halted);
    assert.equal(lin(m, 0x600), 0x80);
    assert.equal(w16(m, 0x10 * 4 + 2), 0xf000, 'int 10h vector segment');
    assert.equal(w16(m, 0x413), 639, 'BDA base memory KiB');
    assert.equal(w16(m, 0x400), 0x3f8, 'BDA COM1');
    assert.equal(lin(m, 0x449), 3, 'video mode 3');
    assert.equal(lin(m, 0xffffe), 0xfc, 'model byte AT');
  });

  it('int 10h: set/get cursor (AH=02/03), teletype advances the cursor, write string (AH=13h)', () => {
    const { m, out } = boot(`
      mov ah, 2
      xor bh, bh
      mov dx, 0x0510     ; row 5, col 16
      int 0x10
      mov ax, 0x0e41
      int 0x10
      mov ah, 3
      int 0x10
      mov [0x600], dx
      mov ax, 0x1301     ; write string, move cursor
      mov bx, 0x001e
      mov cx, 3
      mov dx, 0x0a00
      push cs
      pop es
      mov bp, s
      int 0x10
      mov ah, 3
      int 0x10
      mov [0x602], dx
      cli
      hlt
      s: db "xyz"`);
    assert.equal(w16(m, 0x600), 0x0511);
    assert.equal(w16(m, 0x602), 0x0a03);
    assert.equal(out, 'Axyz');
    const scr = m.screen()!;
    assert.equal(scr.cells[5 * 80 + 16] & 0xff, 0x41);
    assert.equal(scr.cells[10 * 80 + 1], 0x1e79, "'y' with attribute 0x1E");
    assert.deepEqual([scr.cursor.row, scr.cursor.col], [10, 3], 'CRTC cursor follows');
  });

  it('int 10h AH=06 scrolls a window up and fills with the attribute', () => {
    const { m } = boot(`
      mov ax, 0xb800
      mov es, ax
      mov word [es:(1*80)*2], 0x0742   ; 'B' on row 1
      mov ax, 0x0601
      mov bh, 0x1f
      xor cx, cx
      mov dx, 0x184f
      int 0x10
      cli
      hlt`);
    const scr = m.screen()!;
    assert.equal(scr.cells[0], 0x0742, 'row 1 moved to row 0');
    assert.equal(scr.cells[24 * 80], 0x1f20, 'bottom row blank with attribute 0x1F');
  });

  it('int 15h E820 returns the memory map records with EBX continuation and "SMAP"', () => {
    const { m } = boot(`
      xor ax, ax
      mov es, ax
      mov di, 0x1000
      xor ebx, ebx
    .next:
      mov eax, 0xe820
      mov edx, 0x534d4150
      mov ecx, 20
      int 0x15
      jc .done
      cmp eax, 0x534d4150
      jne .done
      add di, 20
      inc byte [0x600]
      test ebx, ebx
      jnz .next
    .done:
      cli
      hlt`);
    const n = lin(m, 0x600);
    assert.equal(n, 4);
    const rec = (i: number) => [d32(m, 0x1000 + i * 20), d32(m, 0x1000 + i * 20 + 8), d32(m, 0x1000 + i * 20 + 16)];
    assert.deepEqual(rec(0), [0, 0x9fc00, 1]);
    assert.deepEqual(rec(3), [0x100000, (16 << 20) - 0x100000, 1]);
  });

  it('int 15h AH=88h and AX=E801 report extended memory', () => {
    const { m } = boot(`
      mov ah, 0x88
      int 0x15
      mov [0x600], ax
      mov ax, 0xe801
      int 0x15
      mov [0x602], ax
      mov [0x604], bx
      cli
      hlt`);
    assert.equal(w16(m, 0x600), 15 * 1024);
    assert.equal(w16(m, 0x602), 15 * 1024);
    assert.equal(w16(m, 0x604), 0);
  });

  it('int 13h AH=08 gives the geometry; an absent drive fails with CF=1', () => {
    const { m } = boot(`
      mov ah, 8
      mov dl, 0x80
      int 0x13
      mov [0x600], cx
      mov [0x602], dx
      mov ah, 2
      mov al, 1
      mov cx, 1
      mov dx, 0x0081       ; drive 0x81 does not exist
      mov bx, 0x8000
      int 0x13
      setc [0x604]
      cli
      hlt`);
    assert.equal(w16(m, 0x600), 0x003f, '63 sectors per track, cylinder 0');
    assert.equal(w16(m, 0x602), 0x0f01, '16 heads, one drive');
    assert.equal(lin(m, 0x604), 1);
  });

  it('IRQ 0 at 18.2 Hz advances the BDA tick count read by int 1Ah AH=00', () => {
    const { m } = boot(`
      sti
      mov cx, 5
    .w:
      hlt
      loop .w
      xor ah, ah
      int 0x1a
      mov [0x600], dx
      mov [0x602], cx
      cli
      hlt`);
    assert.equal(w16(m, 0x600), 5);
    assert.equal(w16(m, 0x602), 0);
  });

  it('int 1Ah AH=02/04 read the RTC in BCD (deterministic epoch 2024-01-01)', () => {
    const { m } = boot(`
      mov ah, 4
      int 0x1a
      mov [0x600], cx
      mov [0x602], dx
      cli
      hlt`);
    assert.equal(w16(m, 0x600), 0x2024);
    assert.equal(w16(m, 0x602), 0x0101);
  });

  it('a guest that hooks int 10h and chains to the old vector reaches the BIOS through the ROM stub', () => {
    const { m, out } = boot(`
      xor ax, ax
      mov ds, ax
      mov ax, [0x10*4]
      mov [old], ax
      mov ax, [0x10*4+2]
      mov [old+2], ax
      cli
      mov word [0x10*4], hook
      mov word [0x10*4+2], 0
      sti
      mov ax, 0x0e58      ; 'X'
      int 0x10
      mov ah, 0x03
      int 0x10
      mov [0x600], dx
      cli
      hlt
    hook:
      inc byte [cs:0x610]
      jmp far [cs:old]
    old: dd 0`);
    assert.equal(out, 'X');
    assert.equal(w16(m, 0x600), 0x0001, 'cursor moved by the chained BIOS service');
    assert.equal(lin(m, 0x610), 2, 'both int 10h calls went through the guest hook');
  });

  it('int 16h: AH=01 sets ZF with no key, AH=00 returns scan code and ASCII of typed keys', () => {
    const { m } = boot(`
      sti
      mov ah, 1
      int 0x16
      setz [0x600]
      xor ah, ah
      int 0x16
      mov [0x602], ax
      xor ah, ah
      int 0x16
      mov [0x604], ax
      cli
      hlt`, 'aB');
    assert.equal(lin(m, 0x600), 0, 'a key is waiting (input was given before boot)');
    assert.equal(w16(m, 0x602), 0x1e61);
    assert.equal(w16(m, 0x604), 0x3042);
  });

  it('int 16h AH=00 with no input blocks the machine (blockedOnInput) until input arrives', () => {
    const m = new Machine({ platform: 'pc', memory: 16 << 20 });
    setupBootImage(m, asm('[org 0x7c00]\nbits 16\nsti\nxor ah, ah\nint 0x16\nmov [0x600], ax\ncli\nhlt\n'));
    let r = m.run(1_000_000);
    assert.equal(r, StopReason.Budget);
    assert.equal(m.blockedOnInput, true);
    m.input('z');
    r = m.run(1_000_000);
    assert.equal(r, StopReason.Halted);
    assert.equal(w16(m, 0x600), 0x2c7a);
  });
});

describe('DOS services (int 21h)', function () {
  this.timeout(30000);
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-dos-')); });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function dos(body: string): { m: Machine; out: string; r: StopReason } {
    const m = new Machine({ platform: 'dos', memory: 16 << 20 });
    setupDos(m, asm(`org 100h\n${body}\n`), { cwd: tmp, args: ['one', 'two'] });
    let out = '';
    m.onConsole = (t) => (out += t);
    m.endInput();
    let r = StopReason.Budget;
    for (let i = 0; i < 50 && r === StopReason.Budget; i++) r = m.run(1_000_000);
    return { m, out, r };
  }

  it('a .COM starts at PSP:0100 with CS=DS=ES=SS, the command tail at PSP:80h, RET to INT 20h', () => {
    const { m, out, r } = dos(`
      mov si, 0x81
      xor cx, cx
      mov cl, [0x80]
    .l:
      lodsb
      mov dl, al
      mov ah, 2
      int 0x21
      loop .l
      ret`);
    assert.equal(r, StopReason.Exit);
    assert.equal(m.exitStatus, 0);
    assert.equal(out, ' one two');
  });

  it('AH=30h version 5.0; AH=25h/35h set and get a vector; AH=2Ah date', () => {
    const { m } = dos(`
      mov ah, 0x30
      int 0x21
      mov [0x600], ax
      mov ax, 0x2560
      mov dx, 0x1234
      int 0x21
      mov ax, 0x3560
      int 0x21
      mov [0x602], bx
      mov [0x604], es
      mov ah, 0x2a
      int 0x21
      mov [0x606], cx
      mov [0x608], dx
      mov ax, 0x4c05
      int 0x21`);
    const base = 0x10000;
    assert.equal(w16(m, base + 0x600), 0x0005);
    assert.equal(w16(m, base + 0x602), 0x1234);
    assert.equal(w16(m, base + 0x604), 0x1000);
    assert.equal(w16(m, 0x60 * 4), 0x1234);
    assert.equal(w16(m, base + 0x606), 2024);
    assert.equal(w16(m, base + 0x608), 0x0101);
    assert.equal(m.exitStatus, 5);
  });

  it('the CPU of the machine has its x87 unit: 1+1+2 through FADD and FISTP gives 4', () => {
    const { m } = dos(`
      finit
      fld1
      fadd st0, st0
      fadd st0, st0
      fistp word [0x600]
      mov ax, 0x4c00
      int 0x21`);
    assert.equal(w16(m, 0x10600), 4);
  });

  it('unknown functions fail with CF=1 and AX=1 (invalid function)', () => {
    const { m } = dos(`
      mov ah, 0x99
      int 0x21
      setc [0x600]
      mov [0x602], ax
      mov ax, 0x4c00
      int 0x21`);
    assert.equal(lin(m, 0x10600), 1);
    assert.equal(w16(m, 0x10602), 1);
  });

  it('int 21h AH=40h to handle 1 writes the console, handle 2 goes to stderr', () => {
    const m = new Machine({ platform: 'dos', memory: 16 << 20 });
    setupDos(m, asm(`org 100h
      mov ah, 0x40
      mov bx, 1
      mov cx, 3
      mov dx, t
      int 0x21
      mov ah, 0x40
      mov bx, 2
      mov cx, 3
      mov dx, t
      int 0x21
      mov ax, 0x4c00
      int 0x21
      t: db "abc"`), { cwd: tmp });
    const got: Array<[string, string]> = [];
    m.onConsole = (t, s) => got.push([s, t]);
    assert.equal(m.run(1_000_000), StopReason.Exit);
    assert.deepEqual(got, [['stdout', 'abc'], ['stderr', 'abc']]);
    assert.equal(m.cpu.regs[Reg.EAX] & 0xff, 0);
  });
});
