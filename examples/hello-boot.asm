; hello-boot.asm — a boot sector that prints through the BIOS teletype (int 10h, AH=0Eh).
; Run:   x86vm run examples/hello-boot.asm
; QEMU:  nasm -f bin hello-boot.asm -o hello.img && qemu-system-i386 -drive file=hello.img,format=raw
[org 0x7c00]
bits 16

start:
    xor ax, ax
    mov ds, ax
    mov si, msg
    cld
.next:
    lodsb                   ; AL = next character
    test al, al
    jz .done
    mov ah, 0x0e            ; teletype output
    mov bx, 0x0007          ; page 0, light grey
    int 0x10
    jmp .next
.done:
    cli
    hlt                     ; HLT with interrupts disabled ends the run (exit status 0)

msg: db "Hello, world!", 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
