; CPU-bound boot sector: the sieve of Eratosthenes over 32,000 numbers, repeated; then exit port.
[org 0x7c00]
bits 16
SIZE equ 32000
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov bp, 60              ; repetitions
again:
    mov di, 0x8000          ; flags at 0000:8000
    mov cx, SIZE / 2
    mov ax, 0x0101
    cld
    rep stosw
    xor dx, dx              ; prime count
    mov bx, 2
outer:
    cmp byte [0x8000 + bx], 0
    je next
    inc dx
    mov si, bx
    add si, bx
mark:
    cmp si, SIZE
    jae next
    mov byte [0x8000 + si], 0
    add si, bx
    jmp mark
next:
    inc bx
    cmp bx, SIZE
    jb outer
    dec bp
    jnz again
    mov [count], dx
    mov al, 0
    out 0xf4, al
    hlt
count: dw 0
times 510 - ($ - $$) db 0
dw 0xaa55
