; vga.asm — a boot sector writing VGA text memory (0xB8000) and moving the hardware cursor through
; the CRTC (0x3D4/0x3D5); it reads both back and reports them on the debug console port 0xE9.
; Run:   x86vm run examples/vga.asm
; QEMU:  qemu-system-i386 -drive file=vga.img,format=raw -display none \
;          -device isa-debugcon,iobase=0xe9,chardev=con -chardev stdio,id=con \
;          -device isa-debug-exit,iobase=0xf4,iosize=1
[org 0x7c00]
bits 16

start:
    xor ax, ax
    mov ds, ax
    mov ax, 0xb800
    mov es, ax
    ; Write the message in white on blue at row 2, column 10.
    mov si, msg
    mov di, (2 * 80 + 10) * 2
    mov ah, 0x1f
.write:
    lodsb
    test al, al
    jz .cursor
    stosw
    jmp .write
.cursor:
    ; Cursor to row 3, column 10: offset 250 = 0x00FA (CRTC registers 0x0E high, 0x0F low).
    mov dx, 0x3d4
    mov al, 0x0e
    out dx, al
    inc dx
    mov al, 0x00
    out dx, al
    dec dx
    mov al, 0x0f
    out dx, al
    inc dx
    mov al, 0xfa
    out dx, al
    ; Read the text back from video memory and echo it to port 0xE9.
    mov si, (2 * 80 + 10) * 2
    mov cx, msglen
.readback:
    mov al, [es:si]
    out 0xe9, al
    add si, 2
    loop .readback
    ; The attribute of the first cell, then the cursor offset read from the CRTC, in hex.
    mov si, attrtxt
    call puts
    mov al, [es:(2 * 80 + 10) * 2 + 1]
    call hex8
    mov si, curtxt
    call puts
    mov dx, 0x3d4
    mov al, 0x0e
    out dx, al
    inc dx
    in al, dx
    call hex8
    dec dx
    mov al, 0x0f
    out dx, al
    inc dx
    in al, dx
    call hex8
    mov al, 10
    out 0xe9, al
    mov al, 0
    out 0xf4, al            ; exit status 1
    cli
    hlt

puts:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts
.done:
    ret

hex8:                       ; AL as two hex digits on port 0xE9
    push ax
    shr al, 4
    call .digit
    pop ax
    and al, 0x0f
.digit:
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '9' - 1
.out:
    out 0xe9, al
    ret

msg:     db "VGA text mode works", 0
msglen   equ $ - msg - 1
attrtxt: db " attr=", 0
curtxt:  db " cursor=", 0

times 510 - ($ - $$) db 0
dw 0xaa55
