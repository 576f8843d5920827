; SYNTAX TEST "source.x86asm" "a 32-bit Linux program (nasm -f elf32)"
        global _start
;       ^^^^^^ keyword.other.directive.x86asm
;              ^^^^^^ variable.other.label.x86asm

        section .data
;       ^^^^^^^ keyword.other.directive.x86asm
;               ^^^^^ entity.name.section.x86asm
msg:    db `Hello, world\n`, 0
; <--- entity.name.function.label.x86asm
;       ^^ storage.type.data.x86asm
;          ^^^^^^^^^^^^ string.quoted.other.backquote.x86asm
;                       ^^ constant.character.escape.x86asm
len     equ $ - msg
; <--- entity.name.function.label.x86asm
;       ^^^ keyword.other.directive.x86asm
;           ^ variable.language.location.x86asm
;             ^ keyword.operator.x86asm
counter dd 0
;       ^^ storage.type.data.x86asm

        section .bss
buf:    resb 64
;       ^^^^ storage.type.data.x86asm

        section .text
_start: mov eax, 4              ; sys_write
; <------ entity.name.function.label.x86asm
;       ^^^ keyword.mnemonic.x86asm
;           ^^^ variable.language.register.general.x86asm
;                               ^ comment.line.semicolon.x86asm
        mov ebx, 1
        mov ecx, msg
        mov edx, len
        int 0x80
;       ^^^ keyword.control.instruction.x86asm
.again: inc dword [counter]
; <------ entity.name.label.local.x86asm
;       ^^^ keyword.mnemonic.x86asm
;           ^^^^^ storage.type.size.x86asm
;                  ^^^^^^^ variable.other.label.x86asm
        cmp dword [counter], 3
        jne .again
;       ^^^ keyword.control.instruction.x86asm
        lea esi, [ebx+ecx*4+8]
;                 ^^^ variable.language.register.general.x86asm
;                    ^ keyword.operator.x86asm
        rep movsb
;       ^^^ keyword.other.prefix.x86asm
;           ^^^^^ keyword.mnemonic.x86asm
        lock xadd [counter], eax
;       ^^^^ keyword.other.prefix.x86asm
;            ^^^^ keyword.mnemonic.x86asm
        cmovge eax, ebx
;       ^^^^^^ keyword.mnemonic.x86asm
        call near exit
;       ^^^^ keyword.control.instruction.x86asm
;            ^^^^ storage.modifier.x86asm
exit:   mov eax, 1              ; sys_exit
        xor ebx, ebx
        int 0x80
        ret
;       ^^^ keyword.control.instruction.x86asm
