; pit.asm — a boot sector counting 8254 PIT interrupts: channel 0 in mode 2 at 1 kHz drives IRQ 0
; through the 8259A; its own handler counts ticks until 100 have arrived, the main loop sleeps with
; HLT in between. Reports on the debug console port 0xE9 and exits through port 0xF4.
; Run:   x86vm run examples/pit.asm
; QEMU:  qemu-system-i386 -drive file=pit.img,format=raw -display none \
;          -device isa-debugcon,iobase=0xe9,chardev=con -chardev stdio,id=con \
;          -device isa-debug-exit,iobase=0xf4,iosize=1
[org 0x7c00]
bits 16

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    ; Install our IRQ 0 handler (vector 8 after the BIOS's PIC setup).
    mov word [8 * 4], irq0
    mov word [8 * 4 + 2], 0
    ; PIT channel 0, lobyte/hibyte, mode 2, binary; 1193 counts = 1000.15 Hz.
    mov al, 0x34
    out 0x43, al
    mov ax, 1193
    out 0x40, al
    mov al, ah
    out 0x40, al
    ; Unmask IRQ 0 only.
    mov al, 0xfe
    out 0x21, al
    sti
.wait:
    hlt                     ; sleep until the next interrupt
    cmp word [ticks], 100
    jb .wait
    cli
    mov si, msg
    call puts
    mov ax, [ticks]
    call dec16
    mov si, msg2
    call puts
    mov al, 0
    out 0xf4, al            ; exit status 1
    hlt

irq0:
    push ax
    inc word [cs:ticks]
    mov al, 0x20
    out 0x20, al            ; non-specific EOI
    pop ax
    iret

puts:
    lodsb
    test al, al
    jz .done
    out 0xe9, al
    jmp puts
.done:
    ret

dec16:                      ; AX in decimal on port 0xE9
    mov bx, 10
    xor cx, cx
.div:
    xor dx, dx
    div bx
    push dx
    inc cx
    test ax, ax
    jnz .div
.out:
    pop ax
    add al, '0'
    out 0xe9, al
    loop .out
    ret

ticks: dw 0
msg:   db "PIT interrupts counted: ", 0
msg2:  db 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
