/**
 * Instruction templates (i686 integer + x87), in nasm's order of preference: the first template
 * that matches the operands is used, as nasm does. Written from the Intel SDM opcode tables; the
 * preference order was checked against nasm 2.16 output.
 *
 * Line format: `MNEMONIC op,op,... : encoding [; flags]`
 * Operand types: r8 r16 r32 rm8 rm16 rm32 m m8 m16 m32 m64 m80 imm8 imm16 imm32 sb16 sb32 one
 *   al ax eax cl dx es cs ss ds fs gs sreg creg dreg treg st0 fpu rel8 rel16 rel32 far16 far32
 *   mfar16 mfar32 mo8 mo16 mo32 (moffs)
 * Encoding tokens: o16 o32 a16 a32 XX (hex byte) XX+r /r /0../7 ib iw id rb rw rd mo fp (far ptr)
 * Flags: B = an unsized immediate/memory operand takes the current `bits` size.
 */

const CC: [string, number][] = [
  ['o', 0], ['no', 1], ['b', 2], ['c', 2], ['nae', 2], ['ae', 3], ['nb', 3], ['nc', 3], ['e', 4], ['z', 4],
  ['ne', 5], ['nz', 5], ['be', 6], ['na', 6], ['a', 7], ['nbe', 7], ['s', 8], ['ns', 9], ['p', 10], ['pe', 10],
  ['np', 11], ['po', 11], ['l', 12], ['nge', 12], ['ge', 13], ['nl', 13], ['le', 14], ['ng', 14], ['g', 15], ['nle', 15],
];

const h2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

function build(): string[] {
  const L: string[] = [];
  const alu = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
  alu.forEach((m, n) => {
    const b = n * 8;
    L.push(
      `${m} rm8,r8 : ${h2(b)} /r`,
      `${m} rm16,r16 : o16 ${h2(b + 1)} /r`,
      `${m} rm32,r32 : o32 ${h2(b + 1)} /r`,
      `${m} r8,rm8 : ${h2(b + 2)} /r`,
      `${m} r16,rm16 : o16 ${h2(b + 3)} /r`,
      `${m} r32,rm32 : o32 ${h2(b + 3)} /r`,
      `${m} al,imm8 : ${h2(b + 4)} ib`,
      `${m} ax,sb16 : o16 83 /${n} ib`,
      `${m} ax,imm16 : o16 ${h2(b + 5)} iw`,
      `${m} eax,sb32 : o32 83 /${n} ib`,
      `${m} eax,imm32 : o32 ${h2(b + 5)} id`,
      `${m} rm8,imm8 : 80 /${n} ib`,
      `${m} rm16,sb16 : o16 83 /${n} ib`,
      `${m} rm16,imm16 : o16 81 /${n} iw`,
      `${m} rm32,sb32 : o32 83 /${n} ib`,
      `${m} rm32,imm32 : o32 81 /${n} id`,
    );
  });
  for (const [m, n] of [['inc', 0], ['dec', 1]] as [string, number][]) {
    L.push(`${m} r16 : o16 ${h2(0x40 + n * 8)}+r`, `${m} r32 : o32 ${h2(0x40 + n * 8)}+r`, `${m} rm8 : FE /${n}`, `${m} rm16 : o16 FF /${n}`, `${m} rm32 : o32 FF /${n}`);
  }
  for (const [m, n] of [['not', 2], ['neg', 3], ['mul', 4], ['div', 6], ['idiv', 7]] as [string, number][]) {
    L.push(`${m} rm8 : F6 /${n}`, `${m} rm16 : o16 F7 /${n}`, `${m} rm32 : o32 F7 /${n}`);
  }
  L.push(
    'imul rm8 : F6 /5', 'imul rm16 : o16 F7 /5', 'imul rm32 : o32 F7 /5',
    'imul r16,rm16 : o16 0F AF /r', 'imul r32,rm32 : o32 0F AF /r',
    'imul r16,rm16,sb16 : o16 6B /r ib', 'imul r16,rm16,imm16 : o16 69 /r iw',
    'imul r32,rm32,sb32 : o32 6B /r ib', 'imul r32,rm32,imm32 : o32 69 /r id',
  );
  const sh = [['rol', 0], ['ror', 1], ['rcl', 2], ['rcr', 3], ['shl', 4], ['sal', 4], ['shr', 5], ['sar', 7]] as [string, number][];
  for (const [m, n] of sh) {
    L.push(
      `${m} rm8,one : D0 /${n}`, `${m} rm8,cl : D2 /${n}`, `${m} rm8,imm8 : C0 /${n} ib`,
      `${m} rm16,one : o16 D1 /${n}`, `${m} rm16,cl : o16 D3 /${n}`, `${m} rm16,imm8 : o16 C1 /${n} ib`,
      `${m} rm32,one : o32 D1 /${n}`, `${m} rm32,cl : o32 D3 /${n}`, `${m} rm32,imm8 : o32 C1 /${n} ib`,
    );
  }
  L.push(
    'test rm8,r8 : 84 /r', 'test rm16,r16 : o16 85 /r', 'test rm32,r32 : o32 85 /r',
    'test r8,m8 : 84 /r', 'test r16,m16 : o16 85 /r', 'test r32,m32 : o32 85 /r',
    'test al,imm8 : A8 ib', 'test ax,imm16 : o16 A9 iw', 'test eax,imm32 : o32 A9 id',
    'test rm8,imm8 : F6 /0 ib', 'test rm16,imm16 : o16 F7 /0 iw', 'test rm32,imm32 : o32 F7 /0 id',
    'mov al,mo8 : A0 mo', 'mov ax,mo16 : o16 A1 mo', 'mov eax,mo32 : o32 A1 mo',
    'mov mo8,al : A2 mo', 'mov mo16,ax : o16 A3 mo', 'mov mo32,eax : o32 A3 mo',
    'mov rm8,r8 : 88 /r', 'mov rm16,r16 : o16 89 /r', 'mov rm32,r32 : o32 89 /r',
    'mov r8,rm8 : 8A /r', 'mov r16,rm16 : o16 8B /r', 'mov r32,rm32 : o32 8B /r',
    'mov r16,sreg : o16 8C /r', 'mov r32,sreg : o32 8C /r', 'mov m16,sreg : 8C /r',
    'mov sreg,r16 : 8E /r', 'mov sreg,r32 : 8E /r', 'mov sreg,m16 : 8E /r',
    'mov r32,creg : 0F 20 /r', 'mov creg,r32 : 0F 22 /r', 'mov r32,dreg : 0F 21 /r', 'mov dreg,r32 : 0F 23 /r',
    'mov r32,treg : 0F 24 /r', 'mov treg,r32 : 0F 26 /r',
    'mov r8,imm8 : B0+r ib', 'mov r16,imm16 : o16 B8+r iw', 'mov r32,imm32 : o32 B8+r id',
    'mov rm8,imm8 : C6 /0 ib', 'mov rm16,imm16 : o16 C7 /0 iw', 'mov rm32,imm32 : o32 C7 /0 id',
    'movzx r16,rm8 : o16 0F B6 /r', 'movzx r32,rm8 : o32 0F B6 /r', 'movzx r32,rm16 : o32 0F B7 /r',
    'movsx r16,rm8 : o16 0F BE /r', 'movsx r32,rm8 : o32 0F BE /r', 'movsx r32,rm16 : o32 0F BF /r',
    'lea r16,m : o16 8D /r', 'lea r32,m : o32 8D /r',
    'lds r16,m : o16 C5 /r', 'lds r32,m : o32 C5 /r', 'les r16,m : o16 C4 /r', 'les r32,m : o32 C4 /r',
    'lfs r16,m : o16 0F B4 /r', 'lfs r32,m : o32 0F B4 /r', 'lgs r16,m : o16 0F B5 /r', 'lgs r32,m : o32 0F B5 /r',
    'lss r16,m : o16 0F B2 /r', 'lss r32,m : o32 0F B2 /r',
    'xchg ax,r16 : o16 90+r', 'xchg eax,r32 : o32 90+r', 'xchg r16,ax : o16 90+r', 'xchg r32,eax : o32 90+r',
    'xchg r8,rm8 : 86 /r', 'xchg r16,rm16 : o16 87 /r', 'xchg r32,rm32 : o32 87 /r',
    'xchg m8,r8 : 86 /r', 'xchg m16,r16 : o16 87 /r', 'xchg m32,r32 : o32 87 /r',
    'xadd rm8,r8 : 0F C0 /r', 'xadd rm16,r16 : o16 0F C1 /r', 'xadd rm32,r32 : o32 0F C1 /r',
    'cmpxchg rm8,r8 : 0F B0 /r', 'cmpxchg rm16,r16 : o16 0F B1 /r', 'cmpxchg rm32,r32 : o32 0F B1 /r',
    'cmpxchg8b m64 : 0F C7 /1',
    'bswap r32 : o32 0F C8+r',
    'push r16 : o16 50+r', 'push r32 : o32 50+r', 'push rm16 : o16 FF /6 ; B', 'push rm32 : o32 FF /6 ; B',
    'push es : 06', 'push cs : 0E', 'push ss : 16', 'push ds : 1E', 'push fs : 0F A0', 'push gs : 0F A8',
    'push imm8 : 6A ib ; B', 'push sb16 : o16 6A ib ; B', 'push imm16 : o16 68 iw ; B', 'push sb32 : o32 6A ib ; B', 'push imm32 : o32 68 id ; B',
    'pop r16 : o16 58+r', 'pop r32 : o32 58+r', 'pop rm16 : o16 8F /0 ; B', 'pop rm32 : o32 8F /0 ; B',
    'pop es : 07', 'pop cs : 0F', 'pop ss : 17', 'pop ds : 1F', 'pop fs : 0F A1', 'pop gs : 0F A9',
    'pusha : 60', 'pushaw : o16 60', 'pushad : o32 60', 'popa : 61', 'popaw : o16 61', 'popad : o32 61',
    'pushf : 9C', 'pushfw : o16 9C', 'pushfd : o32 9C', 'popf : 9D', 'popfw : o16 9D', 'popfd : o32 9D',
    'jmp rel8 : EB rb', 'jmp rel16 : o16 E9 rw ; B', 'jmp rel32 : o32 E9 rd ; B',
    'jmp far16 : o16 EA fp ; B', 'jmp far32 : o32 EA fp ; B',
    'jmp mfar16 : o16 FF /5 ; B', 'jmp mfar32 : o32 FF /5 ; B',
    'jmp rm16 : o16 FF /4 ; B', 'jmp rm32 : o32 FF /4 ; B',
    'call rel16 : o16 E8 rw ; B', 'call rel32 : o32 E8 rd ; B',
    'call far16 : o16 9A fp ; B', 'call far32 : o32 9A fp ; B',
    'call mfar16 : o16 FF /3 ; B', 'call mfar32 : o32 FF /3 ; B',
    'call rm16 : o16 FF /2 ; B', 'call rm32 : o32 FF /2 ; B',
    'jcxz rel8 : a16 E3 rb', 'jecxz rel8 : a32 E3 rb',
    'loop rel8 : E2 rb', 'loope rel8 : E1 rb', 'loopz rel8 : E1 rb', 'loopne rel8 : E0 rb', 'loopnz rel8 : E0 rb',
    'loop rel8,cx : a16 E2 rb', 'loope rel8,cx : a16 E1 rb', 'loopz rel8,cx : a16 E1 rb', 'loopne rel8,cx : a16 E0 rb', 'loopnz rel8,cx : a16 E0 rb',
    'loop rel8,ecx : a32 E2 rb', 'loope rel8,ecx : a32 E1 rb', 'loopz rel8,ecx : a32 E1 rb', 'loopne rel8,ecx : a32 E0 rb', 'loopnz rel8,ecx : a32 E0 rb',
    'ret : C3', 'ret imm16 : C2 iw', 'retn : C3', 'retn imm16 : C2 iw', 'retf : CB', 'retf imm16 : CA iw',
    'iret : CF', 'iretw : o16 CF', 'iretd : o32 CF',
    'int imm8 : CD ib', 'int3 : CC', 'int1 : F1', 'icebp : F1', 'into : CE',
    'enter imm16,imm8 : C8 iw ib', 'leave : C9',
    'in al,imm8 : E4 ib', 'in ax,imm8 : o16 E5 ib', 'in eax,imm8 : o32 E5 ib',
    'in al,dx : EC', 'in ax,dx : o16 ED', 'in eax,dx : o32 ED',
    'out imm8,al : E6 ib', 'out imm8,ax : o16 E7 ib', 'out imm8,eax : o32 E7 ib',
    'out dx,al : EE', 'out dx,ax : o16 EF', 'out dx,eax : o32 EF',
    'movsb : A4', 'movsw : o16 A5', 'movsd : o32 A5', 'cmpsb : A6', 'cmpsw : o16 A7', 'cmpsd : o32 A7',
    'scasb : AE', 'scasw : o16 AF', 'scasd : o32 AF', 'lodsb : AC', 'lodsw : o16 AD', 'lodsd : o32 AD',
    'stosb : AA', 'stosw : o16 AB', 'stosd : o32 AB', 'insb : 6C', 'insw : o16 6D', 'insd : o32 6D',
    'outsb : 6E', 'outsw : o16 6F', 'outsd : o32 6F',
    'nop : 90', 'hlt : F4', 'cmc : F5', 'clc : F8', 'stc : F9', 'cli : FA', 'sti : FB', 'cld : FC', 'std : FD',
    'cbw : o16 98', 'cwde : o32 98', 'cwd : o16 99', 'cdq : o32 99', 'lahf : 9F', 'sahf : 9E',
    'aaa : 37', 'aas : 3F', 'daa : 27', 'das : 2F', 'aam : D4 0A', 'aam imm8 : D4 ib', 'aad : D5 0A', 'aad imm8 : D5 ib',
    'salc : D6', 'xlat : D7', 'xlatb : D7', 'wait : 9B', 'fwait : 9B', 'pause : F3 90',
    'bound r16,m : o16 62 /r', 'bound r32,m : o32 62 /r', 'arpl rm16,r16 : 63 /r',
    'clts : 0F 06', 'invd : 0F 08', 'wbinvd : 0F 09', 'ud2 : 0F 0B', 'cpuid : 0F A2', 'rdtsc : 0F 31',
    'rdmsr : 0F 32', 'wrmsr : 0F 30', 'rdpmc : 0F 33', 'rsm : 0F AA', 'sysenter : 0F 34', 'sysexit : 0F 35',
    'ud1 r32,rm32 : 0F B9 /r', 'ud0 r32,rm32 : 0F FF /r',
    'nop rm16 : o16 0F 1F /0', 'nop rm32 : o32 0F 1F /0',
    'lgdt m : 0F 01 /2', 'lidt m : 0F 01 /3', 'sgdt m : 0F 01 /0', 'sidt m : 0F 01 /1', 'invlpg m : 0F 01 /7',
    'lmsw rm16 : 0F 01 /6', 'smsw m16 : 0F 01 /4', 'smsw r16 : o16 0F 01 /4', 'smsw r32 : o32 0F 01 /4',
    'lldt rm16 : 0F 00 /2', 'ltr rm16 : 0F 00 /3', 'verr rm16 : 0F 00 /4', 'verw rm16 : 0F 00 /5',
    'sldt m16 : 0F 00 /0', 'sldt r16 : o16 0F 00 /0', 'sldt r32 : o32 0F 00 /0',
    'str m16 : 0F 00 /1', 'str r16 : o16 0F 00 /1', 'str r32 : o32 0F 00 /1',
    'lar r16,rm16 : o16 0F 02 /r', 'lar r32,r32 : o32 0F 02 /r', 'lar r32,r16 : o32 0F 02 /r', 'lar r32,m16 : o32 0F 02 /r',
    'lsl r16,rm16 : o16 0F 03 /r', 'lsl r32,r32 : o32 0F 03 /r', 'lsl r32,r16 : o32 0F 03 /r', 'lsl r32,m16 : o32 0F 03 /r',
    'bsf r16,rm16 : o16 0F BC /r', 'bsf r32,rm32 : o32 0F BC /r', 'bsr r16,rm16 : o16 0F BD /r', 'bsr r32,rm32 : o32 0F BD /r',
    'shld rm16,r16,imm8 : o16 0F A4 /r ib', 'shld rm32,r32,imm8 : o32 0F A4 /r ib', 'shld rm16,r16,cl : o16 0F A5 /r', 'shld rm32,r32,cl : o32 0F A5 /r',
    'shrd rm16,r16,imm8 : o16 0F AC /r ib', 'shrd rm32,r32,imm8 : o32 0F AC /r ib', 'shrd rm16,r16,cl : o16 0F AD /r', 'shrd rm32,r32,cl : o32 0F AD /r',
    'fxsave m : 0F AE /0', 'fxrstor m : 0F AE /1',
  );
  for (const [m, op, n] of [['bt', 0xa3, 4], ['bts', 0xab, 5], ['btr', 0xb3, 6], ['btc', 0xbb, 7]] as [string, number, number][]) {
    L.push(`${m} rm16,r16 : o16 0F ${h2(op)} /r`, `${m} rm32,r32 : o32 0F ${h2(op)} /r`, `${m} rm16,imm8 : o16 0F BA /${n} ib`, `${m} rm32,imm8 : o32 0F BA /${n} ib`);
  }
  for (const [c, n] of CC) {
    L.push(`j${c} rel8 : ${h2(0x70 + n)} rb`, `j${c} rel16 : o16 0F ${h2(0x80 + n)} rw ; B`, `j${c} rel32 : o32 0F ${h2(0x80 + n)} rd ; B`);
    L.push(`set${c} rm8 : 0F ${h2(0x90 + n)} /0`);
    L.push(`cmov${c} r16,rm16 : o16 0F ${h2(0x40 + n)} /r`, `cmov${c} r32,rm32 : o32 0F ${h2(0x40 + n)} /r`);
  }
  // ---- x87
  L.push(
    'fld : D9 C1', 'fld m32 : D9 /0', 'fld m64 : DD /0', 'fld m80 : DB /5', 'fld fpu : D9 C0+r',
    'fst : DD D1', 'fst m32 : D9 /2', 'fst m64 : DD /2', 'fst fpu : DD D0+r',
    'fstp : DD D9', 'fstp m32 : D9 /3', 'fstp m64 : DD /3', 'fstp m80 : DB /7', 'fstp fpu : DD D8+r',
    'fild m16 : DF /0', 'fild m32 : DB /0', 'fild m64 : DF /5',
    'fist m16 : DF /2', 'fist m32 : DB /2',
    'fistp m16 : DF /3', 'fistp m32 : DB /3', 'fistp m64 : DF /7',
    'fisttp m16 : DF /1', 'fisttp m32 : DB /1', 'fisttp m64 : DD /1',
    'fbld m80 : DF /4', 'fbstp m80 : DF /6',
    'fxch : D9 C9', 'fxch fpu : D9 C8+r', 'fxch fpu,st0 : D9 C8+r', 'fxch st0,fpu : D9 C8+r',
  );
  const ar: [string, number, number][] = [['fadd', 0, 0xc0], ['fmul', 1, 0xc8], ['fsub', 4, 0xe8], ['fsubr', 5, 0xe0], ['fdiv', 6, 0xf8], ['fdivr', 7, 0xf0]];
  for (const [m, n, to] of ar) {
    L.push(
      `${m} m32 : D8 /${n}`, `${m} m64 : DC /${n}`, `${m} : DE ${h2(to + 1)}`,
      `${m} tofpu : DC ${h2(to)}+r`, `${m} fpu : D8 ${h2(0xc0 + n * 8)}+r`, `${m} fpu,st0 : DC ${h2(to)}+r`, `${m} st0,fpu : D8 ${h2(0xc0 + n * 8)}+r`,
      `${m}p : DE ${h2(to + 1)}`, `${m}p fpu : DE ${h2(to)}+r`, `${m}p fpu,st0 : DE ${h2(to)}+r`,
    );
  }
  L.push(
    'fcom m32 : D8 /2', 'fcom m64 : DC /2', 'fcom : D8 D1', 'fcom fpu : D8 D0+r', 'fcom st0,fpu : D8 D0+r',
    'fcomp m32 : D8 /3', 'fcomp m64 : DC /3', 'fcomp : D8 D9', 'fcomp fpu : D8 D8+r', 'fcomp st0,fpu : D8 D8+r',
    'fcompp : DE D9', 'fucom : DD E1', 'fucom fpu : DD E0+r', 'fucom st0,fpu : DD E0+r',
    'fucomp : DD E9', 'fucomp fpu : DD E8+r', 'fucomp st0,fpu : DD E8+r', 'fucompp : DA E9',
    'fcomi : DB F1', 'fcomi fpu : DB F0+r', 'fcomi st0,fpu : DB F0+r',
    'fcomip : DF F1', 'fcomip fpu : DF F0+r', 'fcomip st0,fpu : DF F0+r',
    'fucomi : DB E9', 'fucomi fpu : DB E8+r', 'fucomi st0,fpu : DB E8+r',
    'fucomip : DF E9', 'fucomip fpu : DF E8+r', 'fucomip st0,fpu : DF E8+r',
    'ffree : DD C1', 'ffree fpu : DD C0+r', 'ffreep fpu : DF C0+r',
    'fldcw m16 : D9 /5', 'fstcw m16 : 9B D9 /7', 'fnstcw m16 : D9 /7',
    'fldenv m : D9 /4', 'fstenv m : 9B D9 /6', 'fnstenv m : D9 /6',
    'frstor m : DD /4', 'fsave m : 9B DD /6', 'fnsave m : DD /6',
    'fstsw ax : 9B DF E0', 'fstsw m16 : 9B DD /7', 'fnstsw ax : DF E0', 'fnstsw m16 : DD /7',
    'fclex : 9B DB E2', 'fnclex : DB E2', 'finit : 9B DB E3', 'fninit : DB E3',
    'fdisi : 9B DB E1', 'fndisi : DB E1', 'feni : 9B DB E0', 'fneni : DB E0', 'fsetpm : DB E4',
  );
  const zero: [string, number][] = [
    ['f2xm1', 0xf0], ['fabs', 0xe1], ['fchs', 0xe0], ['fcos', 0xff], ['fdecstp', 0xf6], ['fincstp', 0xf7],
    ['fld1', 0xe8], ['fldl2t', 0xe9], ['fldl2e', 0xea], ['fldpi', 0xeb], ['fldlg2', 0xec], ['fldln2', 0xed], ['fldz', 0xee],
    ['fnop', 0xd0], ['fpatan', 0xf3], ['fprem', 0xf8], ['fprem1', 0xf5], ['fptan', 0xf2], ['frndint', 0xfc],
    ['fscale', 0xfd], ['fsin', 0xfe], ['fsincos', 0xfb], ['fsqrt', 0xfa], ['ftst', 0xe4], ['fxam', 0xe5],
    ['fxtract', 0xf4], ['fyl2x', 0xf1], ['fyl2xp1', 0xf9],
  ];
  for (const [m, b] of zero) L.push(`${m} : D9 ${h2(b)}`);
  const ia: [string, number][] = [['fiadd', 0], ['fimul', 1], ['ficom', 2], ['ficomp', 3], ['fisub', 4], ['fisubr', 5], ['fidiv', 6], ['fidivr', 7]];
  for (const [m, n] of ia) L.push(`${m} m32 : DA /${n}`, `${m} m16 : DE /${n}`);
  const fc: [string, string][] = [['fcmovb', 'DA C0'], ['fcmove', 'DA C8'], ['fcmovbe', 'DA D0'], ['fcmovu', 'DA D8'], ['fcmovnb', 'DB C0'], ['fcmovne', 'DB C8'], ['fcmovnbe', 'DB D0'], ['fcmovnu', 'DB D8']];
  for (const [m, e] of fc) L.push(`${m} fpu : ${e}+r`, `${m} st0,fpu : ${e}+r`);
  return L;
}

export type OpType = string;

export interface Template {
  mnem: string;
  ops: OpType[];
  /** operand-size prefix requirement: 0 none, 16 or 32 */
  osize: 0 | 16 | 32;
  asize: 0 | 16 | 32;
  /** encoding steps */
  enc: EncStep[];
  bitsFlag: boolean;
  /** index of operand for +r, modrm reg, modrm rm, immediates in order */
  plusR: number;
  regOp: number;
  rmOp: number;
  imms: number[];
  /** size in bytes of the fixed part (opcode bytes) */
}

export type EncStep =
  | { k: 'b'; v: number }
  | { k: 'plusr'; v: number }
  | { k: 'modrm'; digit: number }
  | { k: 'imm'; size: 1 | 2 | 4; idx: number }
  | { k: 'rel'; size: 1 | 2 | 4 }
  | { k: 'mo' }
  | { k: 'fp' };

const REGISH = new Set(['r8', 'r16', 'r32', 'sreg', 'creg', 'dreg', 'treg', 'fpu', 'tofpu']);
const RMISH = new Set(['rm8', 'rm16', 'rm32', 'm', 'm8', 'm16', 'm32', 'm64', 'm80', 'mfar16', 'mfar32']);

function parseTemplate(line: string): Template {
  const [lhs, rhs0] = line.split(' : ');
  const [rhs, flags] = rhs0.split(' ; ');
  const sp = lhs.indexOf(' ');
  const mnem = sp < 0 ? lhs : lhs.slice(0, sp);
  const ops = sp < 0 ? [] : lhs.slice(sp + 1).split(',');
  const t: Template = { mnem, ops, osize: 0, asize: 0, enc: [], bitsFlag: !!flags && flags.includes('B'), plusR: -1, regOp: -1, rmOp: -1, imms: [] };
  // roles
  const rmIdx = ops.findIndex((o) => RMISH.has(o));
  const regIdxs = ops.map((o, i) => (REGISH.has(o) ? i : -1)).filter((i) => i >= 0);
  const immIdxs = ops.map((o, i) => (/^(imm|sb|one)/.test(o) ? i : -1)).filter((i) => i >= 0);
  t.imms = immIdxs;
  let immK = 0;
  for (const tok of rhs.trim().split(/\s+/)) {
    if (tok === 'o16') t.osize = 16;
    else if (tok === 'o32') t.osize = 32;
    else if (tok === 'a16') t.asize = 16;
    else if (tok === 'a32') t.asize = 32;
    else if (/^[0-9A-F]{2}\+r$/.test(tok)) {
      t.enc.push({ k: 'plusr', v: parseInt(tok.slice(0, 2), 16) });
      // the generic register operand (last one)
      t.plusR = regIdxs.length ? regIdxs[regIdxs.length - 1] : ops.findIndex((o) => o !== 'st0');
    } else if (/^[0-9A-F]{2}$/.test(tok)) t.enc.push({ k: 'b', v: parseInt(tok, 16) });
    else if (tok === '/r') {
      t.enc.push({ k: 'modrm', digit: -1 });
      if (rmIdx >= 0) {
        t.rmOp = rmIdx;
        t.regOp = regIdxs[0];
      } else {
        // two registers: the special register (sreg/creg/...) is the reg field, else the first
        const special = regIdxs.find((i) => ops[i] !== 'r8' && ops[i] !== 'r16' && ops[i] !== 'r32');
        if (special !== undefined) {
          t.regOp = special;
          t.rmOp = regIdxs.find((i) => i !== special) ?? -1;
        } else {
          t.regOp = regIdxs[0];
          t.rmOp = regIdxs[1];
        }
      }
    } else if (/^\/[0-7]$/.test(tok)) {
      t.enc.push({ k: 'modrm', digit: parseInt(tok.slice(1), 10) });
      t.rmOp = rmIdx >= 0 ? rmIdx : regIdxs.length ? regIdxs[0] : ops.findIndex((o) => !/^(imm|sb|one)/.test(o));
    } else if (tok === 'ib' || tok === 'iw' || tok === 'id') {
      t.enc.push({ k: 'imm', size: tok === 'ib' ? 1 : tok === 'iw' ? 2 : 4, idx: immIdxs[immK++] });
    } else if (tok === 'rb' || tok === 'rw' || tok === 'rd') {
      t.enc.push({ k: 'rel', size: tok === 'rb' ? 1 : tok === 'rw' ? 2 : 4 });
    } else if (tok === 'mo') t.enc.push({ k: 'mo' });
    else if (tok === 'fp') t.enc.push({ k: 'fp' });
    else throw new Error(`bad template token ${tok} in ${line}`);
  }
  return t;
}

let table: Map<string, Template[]> | null = null;

export function templates(): Map<string, Template[]> {
  if (table) return table;
  table = new Map();
  for (const line of build()) {
    const t = parseTemplate(line);
    const list = table.get(t.mnem);
    if (list) list.push(t);
    else table.set(t.mnem, [t]);
  }
  return table;
}

export function isMnemonic(name: string): boolean {
  return templates().has(name);
}
