; The guest of bench/dbgf.ts (its bytes are embedded there; test/dbgf/bench.test.ts checks them
; against nasm). A CPU-bound real-mode loop with memory reads and writes and a port write to 0x80
; per outer iteration; the breakpoints of the benchmark sit on addresses, pages and ports it never
; touches. The outer iteration count is the dword at `iters`, patched by the benchmark.
bits 16
org 0x7c00
start:  xor ax, ax
        mov ds, ax
        mov ecx, [iters]
outer:  mov si, data
        xor bx, bx
inner:  mov ax, [si]
        add bx, ax
        mov [si+2], bx
        add si, 4
        cmp si, data_end
        jb inner
        mov al, bl
        out 0x80, al
        dec ecx
        jnz outer
        cli
        hlt
        align 4
iters:  dd 1000
data:   times 64 dd 1
data_end:
