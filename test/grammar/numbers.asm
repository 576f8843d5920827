; SYNTAX TEST "source.x86asm" "every NASM number form and character constants (nasm -f bin)"
        bits 32
        dd 100
;          ^^^ constant.numeric.decimal.x86asm
        dd 0100
;          ^^^^ constant.numeric.decimal.x86asm
        dd 0d100
;          ^^^^^ constant.numeric.decimal.x86asm
        dd 100d
;          ^^^^ constant.numeric.decimal.x86asm
        dd 1_000_000
;          ^^^^^^^^^ constant.numeric.decimal.x86asm
        dd 0x1F, 0X1f, 0h1F, 1Fh, 0FFh, $0A, 0x_dead_beef
;          ^^^^ constant.numeric.hex.x86asm
;                ^^^^ constant.numeric.hex.x86asm
;                      ^^^^ constant.numeric.hex.x86asm
;                            ^^^ constant.numeric.hex.x86asm
;                                 ^^^^ constant.numeric.hex.x86asm
;                                       ^^^ constant.numeric.hex.x86asm
;                                            ^^^^^^^^^^^^ constant.numeric.hex.x86asm
        dd 777q, 777o, 0q777, 0o777
;          ^^^^ constant.numeric.octal.x86asm
;                ^^^^ constant.numeric.octal.x86asm
;                      ^^^^^ constant.numeric.octal.x86asm
;                             ^^^^^ constant.numeric.octal.x86asm
        dd 1010b, 1010y, 0b1010, 0y1010, 1010_1010b
;          ^^^^^ constant.numeric.binary.x86asm
;                 ^^^^^ constant.numeric.binary.x86asm
;                        ^^^^^^ constant.numeric.binary.x86asm
;                                ^^^^^^ constant.numeric.binary.x86asm
;                                        ^^^^^^^^^^ constant.numeric.binary.x86asm
        dd 1.5, 3.14159, 1.e10, 1.0e-10, 1e5, 0x1.8p3
;          ^^^ constant.numeric.float.x86asm
;               ^^^^^^^ constant.numeric.float.x86asm
;                        ^^^^^ constant.numeric.float.x86asm
;                               ^^^^^^^ constant.numeric.float.x86asm
;                                        ^^^ constant.numeric.float.x86asm
;                                             ^^^^^^^ constant.numeric.float.x86asm
        dq __?float64?__(2.5), __?Infinity?__, __?QNaN?__
;          ^^^^^^^^^^^^^ support.function.builtin.x86asm
;                        ^^^ constant.numeric.float.x86asm
;                              ^^^^^^^^^^^^^^ support.function.builtin.x86asm
        dt 1.0
;       ^^ storage.type.data.x86asm
        dd 'A', 'ab', "abcd", `\x41\n`
;          ^^^ constant.character.x86asm
;               ^^^^ string.quoted.single.x86asm
;                     ^^^^^^ string.quoted.double.x86asm
;                              ^^^^ constant.character.escape.x86asm
;                                  ^^ constant.character.escape.x86asm
        mov eax, 'AB'
;                ^^^^ string.quoted.single.x86asm
        mov al, `\``
;               ^^^^ constant.character.x86asm
        db "don't", 'say "hi"'
;          ^^^^^^^ string.quoted.double.x86asm
;                   ^^^^^^^^^^ string.quoted.single.x86asm
        dw -1, ~0, 1 << 4, 17 % 5, 17 // 5
;          ^ keyword.operator.x86asm
;              ^ keyword.operator.x86asm
;                    ^^ keyword.operator.x86asm
;                                     ^^ keyword.operator.x86asm
