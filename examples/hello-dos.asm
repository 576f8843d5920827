; hello-dos.asm — a DOS .COM program: int 21h/09h prints a '$'-terminated string, int 21h/4Ch exits.
; Run:   x86vm run examples/hello-dos.asm          (or: nasm -f bin hello-dos.asm -o hello.com)
org 100h

start:
    mov dx, msg
    mov ah, 09h
    int 21h
    mov ax, 4c00h           ; exit status 0
    int 21h

msg: db "Hello from DOS!", 13, 10, "$"
