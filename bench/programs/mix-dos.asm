; CPU-bound DOS .COM: integer arithmetic, shifts, memory and calls in a loop; exit with int 21h/4Ch.
org 100h
    mov cx, 4000
outer:
    push cx
    mov cx, 500
    xor ax, ax
    mov bx, 0x1234
    mov si, table
inner:
    add ax, bx
    xor bx, ax
    rol bx, 3
    mov dx, ax
    shr dx, 1
    adc ax, dx
    mov [si], ax
    add si, 2
    and si, 0x00fe
    add si, table
    call leaf
    loop inner
    pop cx
    loop outer
    mov ax, 4c00h
    int 21h
leaf:
    inc word [calls]
    ret
calls: dw 0
table: times 256 db 0
