/**
 * How the loader assembles `.asm` sources. Interim: until src/asm's `assemble` is on main this
 * runs the system `nasm` (no symbols or line map); the switch is this one file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AsmOptions, AsmResult } from '../asm/api';

export function assembleSource(source: string, options: AsmOptions): AsmResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x86vm-asm-'));
  try {
    const src = path.join(dir, 'in.asm');
    const out = path.join(dir, 'out.bin');
    fs.writeFileSync(src, source);
    const inc = path.dirname(path.resolve(options.file)) + path.sep;
    const r = spawnSync('nasm', ['-f', options.format ?? 'bin', '-I', inc, '-o', out, src], { encoding: 'utf8' });
    if (r.error) throw new Error('nasm is not available to assemble the source');
    const diagnostics = (r.stderr || '').split('\n').filter((l) => l.trim()).map((l) => {
      const m = /^[^:]*:(\d+): (error|warning): (.*)$/.exec(l);
      return {
        file: options.file,
        line: m ? Number(m[1]) : 1,
        column: 1,
        severity: (m && m[2] === 'warning' ? 'warning' : 'error') as 'error' | 'warning',
        message: m ? m[3] : l,
      };
    });
    const ok = r.status === 0;
    const output = ok ? new Uint8Array(fs.readFileSync(out)) : new Uint8Array(0);
    const orgM = /^\s*(?:\[\s*)?org\s+([0-9a-fA-Fx]+h?)/im.exec(source);
    let org = 0;
    if (orgM) {
      const t = orgM[1];
      org = /h$/i.test(t) ? parseInt(t.slice(0, -1), 16) : Number(t);
    }
    const bitsM = /^\s*(?:\[\s*)?bits\s+(16|32)/im.exec(source);
    return {
      ok,
      diagnostics,
      output,
      bits: bitsM ? (Number(bitsM[1]) as 16 | 32) : 16,
      org,
      hasGlobalStart: /^\s*global\s+_start\b/im.test(source),
      symbols: [],
      lineMap: [],
      files: [path.resolve(options.file)],
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
