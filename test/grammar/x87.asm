; SYNTAX TEST "source.x86asm" "x87 and system instructions (nasm -f bin)"
        bits 32
        cpu 686
;       ^^^ keyword.other.directive.x86asm
start:  finit
;       ^^^^^ keyword.mnemonic.fpu.x86asm
        fld qword [value]
;       ^^^ keyword.mnemonic.fpu.x86asm
;           ^^^^^ storage.type.size.x86asm
        fld tword [ext]
;           ^^^^^ storage.type.size.x86asm
        fadd st0, st1
;       ^^^^ keyword.mnemonic.fpu.x86asm
;            ^^^ variable.language.register.fpu.x86asm
;                 ^^^ variable.language.register.fpu.x86asm
        fmulp st1
        fsqrt
;       ^^^^^ keyword.mnemonic.fpu.x86asm
        fcomip st0, st1
;       ^^^^^^ keyword.mnemonic.fpu.x86asm
        fcmovbe st0, st3
;       ^^^^^^^ keyword.mnemonic.fpu.x86asm
        fistp dword [result]
        fnstsw ax
;       ^^^^^^ keyword.mnemonic.fpu.x86asm
        fldcw [cw]
        fwait
;       ^^^^^ keyword.mnemonic.fpu.x86asm
        mov eax, cr0
;                ^^^ variable.language.register.system.x86asm
        mov dr7, eax
;           ^^^ variable.language.register.system.x86asm
        lgdt [gdtr]
;       ^^^^ keyword.mnemonic.x86asm
        jmp dword 0x08:flush
;       ^^^ keyword.control.instruction.x86asm
;           ^^^^^ storage.type.size.x86asm
flush:  cpuid
;       ^^^^^ keyword.mnemonic.x86asm
        rdtsc
        cmpxchg8b [value]
;       ^^^^^^^^^ keyword.mnemonic.x86asm
        bswap eax
        pushad
;       ^^^^^^ keyword.mnemonic.x86asm
        popad
        iretd
;       ^^^^^ keyword.control.instruction.x86asm
        push dword [gdtr+2]
;            ^^^^^ storage.type.size.x86asm
value:  dq 2.0
ext:    dt 3.5
result: dd 0
cw:     dw 0x037F
gdtr:   dw 0
        dd 0
