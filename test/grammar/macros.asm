; SYNTAX TEST "source.x86asm" "the NASM preprocessor (nasm -f bin)"
%define SCREEN 0xB8000
; <------- keyword.control.preprocessor.x86asm
;       ^^^^^^ entity.name.constant.preprocessor.x86asm
;              ^^^^^^^ constant.numeric.hex.x86asm
%assign count 0
; <------- keyword.control.preprocessor.x86asm
;       ^^^^^ entity.name.constant.preprocessor.x86asm
%xdefine ATTR 0x07
%ifdef DEBUG
; <------ keyword.control.preprocessor.x86asm
%error "no DEBUG build here"
; <------ keyword.control.preprocessor.x86asm
%elif SCREEN > 0
; <----- keyword.control.preprocessor.x86asm
%else
%endif
; <------ keyword.control.preprocessor.x86asm

%macro putc 2
; <------ keyword.control.preprocessor.x86asm
;      ^^^^ entity.name.function.macro.x86asm
;           ^ constant.numeric.decimal.x86asm
        mov byte [edi+%1*2], %2
;                     ^^ variable.parameter.macro.x86asm
;                            ^^ variable.parameter.macro.x86asm
        jmp %%skip
;           ^^^^^^ variable.other.label.macro-local.x86asm
%%skip:
; <------ entity.name.label.macro-local.x86asm
%assign count count+1
%endmacro
; <--------- keyword.control.preprocessor.x86asm

%macro clear 0-1 ATTR
;      ^^^^^ entity.name.function.macro.x86asm
        mov ecx, 80*25
%rep 2
; <---- keyword.control.preprocessor.x86asm
        nop
%endrep
; <------- keyword.control.preprocessor.x86asm
%endmacro

        bits 32
        org 0x100000
entry:  mov edi, SCREEN
;                ^^^^^^ variable.other.label.x86asm
        putc 0, 'H'
        putc 1, 'i'
        clear
..@special: nop
; <---------- entity.name.label.special.x86asm
%push ctx
; <----- keyword.control.preprocessor.x86asm
%$local: nop
; <------- entity.name.label.context-local.x86asm
%pop
struc point
; <----- keyword.other.directive.x86asm
.x:     resd 1
; <-- entity.name.label.local.x86asm
;       ^^^^ storage.type.data.x86asm
.y:     resd 1
endstruc
; <-------- keyword.other.directive.x86asm
origin: istruc point
;       ^^^^^^ keyword.other.directive.x86asm
        at point.x, dd 1
;       ^^ keyword.other.directive.x86asm
        at point.y, dd 2
        iend
;       ^^^^ keyword.other.directive.x86asm
        align 4
;       ^^^^^ keyword.other.directive.x86asm
table:  times count dw entry - $$
