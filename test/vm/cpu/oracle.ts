/**
 * The oracles of the CPU's guest-program tests, in one place: nasm assembles a boot-sector program
 * (`-f bin`, with test/fixtures/vm/cpu/ on the include path for lib.inc), and qemu-system-i386 runs
 * it with the debug console on port 0xE9 (its output) and isa-debug-exit on port 0xF4 (its status).
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const CPU_FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/vm/cpu');

export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** `nasm -f bin` of `src` (include path: test/fixtures/vm/cpu/). */
export function assembleBin(src: string, tag = path.basename(src, '.asm')): Uint8Array {
  const out = path.join(os.tmpdir(), `x86vm-guest-${process.pid}-${tag}.img`);
  execFileSync('nasm', ['-f', 'bin', '-I', CPU_FIXTURES + '/', src, '-o', out]);
  const b = new Uint8Array(fs.readFileSync(out));
  fs.unlinkSync(out);
  return b;
}

/** Boots `img` on qemu-system-i386: what it wrote to port 0xE9 and its exit status (killed after 30 s). */
export function runQemuSystem(img: Uint8Array, tag: string): Promise<{ out: string; status: number | null }> {
  const f = path.join(os.tmpdir(), `x86vm-guest-q-${process.pid}-${tag}.img`);
  fs.writeFileSync(f, img);
  return new Promise((resolve) => {
    const p = spawn('qemu-system-i386', ['-display', 'none', '-chardev', 'stdio,id=c', '-device', 'isa-debugcon,iobase=0xe9,chardev=c',
      '-device', 'isa-debug-exit,iobase=0xf4', '-drive', `format=raw,file=${f}`, '-monitor', 'none', '-serial', 'none', '-no-reboot'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    const timer = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('close', (status) => { clearTimeout(timer); fs.unlinkSync(f); resolve({ out, status }); });
  });
}
