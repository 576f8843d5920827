; SYNTAX TEST "source.x86asm" "a PC boot sector (nasm -f bin)"
[bits 16]
;^^^^ keyword.other.directive.x86asm
;     ^^ constant.numeric.decimal.x86asm
[org 0x7c00]
;^^^ keyword.other.directive.x86asm
;    ^^^^^^ constant.numeric.hex.x86asm

start:
; <----- entity.name.function.label.x86asm
;    ^ punctuation.separator.label.x86asm
        cli
;       ^^^ keyword.mnemonic.x86asm
        xor ax, ax
;       ^^^ keyword.mnemonic.x86asm
;           ^^ variable.language.register.general.x86asm
;             ^ punctuation.separator.x86asm
        mov ds, ax
;           ^^ variable.language.register.segment.x86asm
        mov ss, ax
        mov sp, 7c00h
;           ^^ variable.language.register.general.x86asm
;               ^^^^^ constant.numeric.hex.x86asm
        sti
        mov si, msg
;               ^^^ variable.other.label.x86asm
.print: lodsb
; <------ entity.name.label.local.x86asm
;       ^^^^^ keyword.mnemonic.x86asm
        test al, al
;            ^^ variable.language.register.general.x86asm
        jz short .done
;       ^^ keyword.control.instruction.x86asm
;          ^^^^^ storage.modifier.x86asm
;                ^^^^^ variable.other.label.local.x86asm
        mov ah, 0Eh
;           ^^ variable.language.register.general.x86asm
;               ^^^ constant.numeric.hex.x86asm
        mov bx, 0007h
        int 10h
;       ^^^ keyword.control.instruction.x86asm
;           ^^^ constant.numeric.hex.x86asm
        jmp .print
;       ^^^ keyword.control.instruction.x86asm
.done:  mov al, 'A'
;               ^^^ constant.character.x86asm
        out 0xe9, al            ; Bochs/QEMU debug console
;       ^^^ keyword.mnemonic.x86asm
;           ^^^^ constant.numeric.hex.x86asm
;                               ^^^^^^^^^^^^^^^^^^^^^^^^^^^ comment.line.semicolon.x86asm
        mov word [es:di+2], 0x0741
;           ^^^^ storage.type.size.x86asm
;                ^ punctuation.definition.memory.x86asm
;                 ^^ variable.language.register.segment.x86asm
;                   ^ punctuation.separator.segment.x86asm
;                    ^^ variable.language.register.general.x86asm
;                      ^ keyword.operator.x86asm
hang:   hlt
; <---- entity.name.function.label.x86asm
;       ^^^ keyword.mnemonic.x86asm
        jmp hang

msg     db "Hello from the boot sector", 13, 10, 0
; <--- entity.name.function.label.x86asm
;       ^^ storage.type.data.x86asm
;          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ string.quoted.double.x86asm
;                                        ^^ constant.numeric.decimal.x86asm

        times 510-($-$$) db 0
;       ^^^^^ keyword.other.directive.x86asm
;             ^^^ constant.numeric.decimal.x86asm
;                ^ keyword.operator.x86asm
;                  ^ variable.language.location.x86asm
;                    ^^ variable.language.location.x86asm
;                        ^^ storage.type.data.x86asm
        dw 0xAA55
;       ^^ storage.type.data.x86asm
;          ^^^^^^ constant.numeric.hex.x86asm
