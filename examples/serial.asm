; serial.asm — a boot sector talking to the 16550 UART on COM1 (0x3F8): it greets, then echoes
; one line of input in upper case, and exits through the isa-debug-exit port (0xF4).
; Run:   echo hello | x86vm run examples/serial.asm         (exit status 1 = (0 << 1) | 1)
; QEMU:  qemu-system-i386 -drive file=serial.img,format=raw -display none -serial stdio \
;          -device isa-debug-exit,iobase=0xf4,iosize=1
[org 0x7c00]
bits 16
COM1 equ 0x3f8

start:
    xor ax, ax
    mov ds, ax
    ; 115200 baud (divisor 1), 8N1, interrupts off. The FIFOs stay off: enabling them clears the
    ; receiver, which would drop input that arrived before this code ran.
    mov dx, COM1 + 1
    xor al, al
    out dx, al              ; IER = 0
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al              ; DLAB = 1
    mov dx, COM1
    mov al, 1
    out dx, al              ; DLL = 1
    mov dx, COM1 + 1
    xor al, al
    out dx, al              ; DLM = 0
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al              ; 8N1, DLAB = 0
    mov si, greeting
    call puts
.echo:
    call getc
    cmp al, 13
    je .eol
    cmp al, 10
    je .eol
    cmp al, 'a'
    jb .put
    cmp al, 'z'
    ja .put
    sub al, 0x20            ; upper case
.put:
    call putc
    jmp .echo
.eol:
    mov si, bye
    call puts
    mov dx, 0xf4
    xor al, al
    out dx, al              ; exit status (0 << 1) | 1 = 1
    cli
    hlt

; AL -> COM1 (waits for THRE)
putc:
    push dx
    push ax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop ax
    mov dx, COM1
    out dx, al
    pop dx
    ret

; COM1 -> AL (waits for DR)
getc:
    push dx
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x01
    jz .wait
    mov dx, COM1
    in al, dx
    pop dx
    ret

puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

greeting: db "COM1 says hello. Type a line: ", 0
bye:      db 13, 10, "Bye!", 13, 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
