// Oracle: National Semiconductor PC16550D datasheet (register map, DLAB, IIR priorities and FIFO
// bits, LSR DR/THRE/TEMT/OE, MCR loopback to MSR, OUT2 gating the PC's IRQ 4).
import { strict as assert } from 'node:assert';
import { IoBus } from '../../../src/vm/iobus';
import { PicPair } from '../../../src/vm/devices/pic';
import { Uart16550 } from '../../../src/vm/devices/uart';

function setup(): { io: IoBus; uart: Uart16550; pic: PicPair; out: number[] } {
  const io = new IoBus();
  const pic = new PicPair(io);
  pic.biosInit(0x08, 0x70, 0, 0);
  const uart = new Uart16550(0x3f8, 4, pic, io);
  const out: number[] = [];
  uart.onTransmit = (b) => out.push(b);
  return { io, uart, pic, out };
}

describe('16550A UART (datasheet behaviour)', () => {
  it('THR writes transmit; LSR shows THRE|TEMT and no data', () => {
    const { io, out } = setup();
    io.write(0x3f8, 1, 0x41);
    assert.deepEqual(out, [0x41]);
    assert.equal(io.read(0x3fd, 1), 0x60);
  });

  it('DLAB selects the divisor latch at +0/+1', () => {
    const { io, out } = setup();
    io.write(0x3fb, 1, 0x80);
    io.write(0x3f8, 1, 0x01);
    io.write(0x3f9, 1, 0x00);
    assert.equal(io.read(0x3f8, 1), 0x01);
    assert.deepEqual(out, [], 'DLL write does not transmit');
    io.write(0x3fb, 1, 0x03);
    assert.equal(io.read(0x3fb, 1), 0x03);
    assert.equal(io.read(0x3f9, 1), 0x00, 'IER');
  });

  it('received bytes set DR and are read from RBR in order', () => {
    const { io, uart } = setup();
    uart.input('hi');
    assert.equal(io.read(0x3fd, 1) & 1, 1);
    assert.equal(io.read(0x3f8, 1), 0x68);
    assert.equal(io.read(0x3f8, 1), 0x69);
    assert.equal(io.read(0x3fd, 1) & 1, 0);
  });

  it('IIR: no interrupt = 0x01; FIFO enabled sets bits 7-6', () => {
    const { io } = setup();
    assert.equal(io.read(0x3fa, 1), 0x01);
    io.write(0x3fa, 1, 0x07);
    assert.equal(io.read(0x3fa, 1), 0xc1);
  });

  it('rx interrupt (IER bit 0) raises IRQ 4 only with MCR OUT2, IIR=0x04, cleared by reading RBR', () => {
    const { io, uart, pic } = setup();
    io.write(0x3f9, 1, 0x01);
    uart.input('x');
    assert.equal(pic.pending(), false, 'OUT2 low gates the IRQ');
    assert.equal(io.read(0x3fa, 1), 0x04);
    io.write(0x3fc, 1, 0x08);
    assert.equal(pic.pending(), true);
    assert.equal(pic.acknowledge(), 0x0c);
    io.read(0x3f8, 1);
    assert.equal(io.read(0x3fa, 1), 0x01);
  });

  it('THRE interrupt: raised when enabled with THR empty, cleared by reading IIR', () => {
    const { io } = setup();
    io.write(0x3f9, 1, 0x02);
    assert.equal(io.read(0x3fa, 1), 0x02);
    assert.equal(io.read(0x3fa, 1), 0x01, 'reading IIR cleared it');
    io.write(0x3f8, 1, 0x20);
    assert.equal(io.read(0x3fa, 1), 0x02, 'THR empty again after transmit');
  });

  it('rx data outranks THRE in IIR', () => {
    const { io, uart } = setup();
    io.write(0x3f9, 1, 0x03);
    uart.input('a');
    assert.equal(io.read(0x3fa, 1), 0x04);
  });

  it('FIFO trigger level: below it the timeout id 0x0C, at it 0x04', () => {
    const { io, uart } = setup();
    io.write(0x3fa, 1, 0x41); // FIFO on, trigger 4
    io.write(0x3f9, 1, 0x01);
    uart.input('ab');
    assert.equal(io.read(0x3fa, 1), 0xcc);
    uart.input('cd');
    assert.equal(io.read(0x3fa, 1), 0xc4);
  });

  it('loopback: THR goes to RBR and MCR bits appear in MSR', () => {
    const { io, out } = setup();
    io.write(0x3fc, 1, 0x1f);
    io.write(0x3f8, 1, 0x5a);
    assert.deepEqual(out, []);
    assert.equal(io.read(0x3fd, 1) & 1, 1);
    assert.equal(io.read(0x3f8, 1), 0x5a);
    assert.equal(io.read(0x3fe, 1) & 0xf0, 0xf0);
    io.write(0x3fc, 1, 0x10);
    assert.equal(io.read(0x3fe, 1) & 0xf0, 0x00);
  });

  it('scratch register holds a byte', () => {
    const { io } = setup();
    io.write(0x3ff, 1, 0xa5);
    assert.equal(io.read(0x3ff, 1), 0xa5);
  });

  it('host input is never lost: more than 16 bytes wait behind the FIFO', () => {
    const { io, uart } = setup();
    io.write(0x3fa, 1, 0x01);
    const text = 'abcdefghijklmnopqrstuvwxyz';
    uart.input(text);
    let got = '';
    while (io.read(0x3fd, 1) & 1) got += String.fromCharCode(io.read(0x3f8, 1));
    assert.equal(got, text);
    assert.equal(io.read(0x3fd, 1) & 2, 0, 'no overrun');
  });
});
