/**
 * The I/O-port bus: devices register port ranges; the CPU's IN/OUT/INS/OUTS go through `read`/`write`.
 * Port lookup is one typed-array load (65,536-entry table of handler indexes).
 */

export type IoSize = 1 | 2 | 4;

export interface PortHandler {
  /** Read `size` bytes starting at `port` (the port the access names, inside the registered range). */
  read(port: number, size: IoSize): number;
  write(port: number, size: IoSize, value: number): void;
}

interface Registration {
  first: number;
  count: number;
  name: string;
  handler: PortHandler;
}

export class IoBus {
  /** Handler index + 1 per port; 0 = nothing there (reads give all ones, writes are dropped). */
  private readonly table = new Uint16Array(0x10000);
  private readonly regs: Registration[] = [];
  /** Non-zero where the breakpoint manager watches a port (see hooks.ts, DebugHooks.onPort). */
  readonly portWatch = new Uint8Array(0x10000);

  register(first: number, count: number, name: string, handler: PortHandler): void {
    if (first < 0 || count <= 0 || first + count > 0x10000) throw new RangeError(`I/O range ${first}+${count} out of range`);
    for (let p = first; p < first + count; p++) {
      if (this.table[p] !== 0) throw new Error(`port 0x${p.toString(16)} already claimed by ${this.regs[this.table[p] - 1].name}`);
    }
    this.regs.push({ first, count, name, handler });
    this.table.fill(this.regs.length, first, first + count);
  }

  /** The device that owns `port`, for the debugger's Devices view. */
  ownerOf(port: number): string | undefined {
    const i = this.table[port & 0xffff];
    return i === 0 ? undefined : this.regs[i - 1].name;
  }

  registrations(): ReadonlyArray<{ first: number; count: number; name: string }> {
    return this.regs;
  }

  read(port: number, size: IoSize): number {
    port &= 0xffff;
    const i = this.table[port];
    if (i === 0) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    return this.regs[i - 1].handler.read(port, size);
  }

  write(port: number, size: IoSize, value: number): void {
    port &= 0xffff;
    const i = this.table[port];
    if (i !== 0) this.regs[i - 1].handler.write(port, size, value);
  }
}
