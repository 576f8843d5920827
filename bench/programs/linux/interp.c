/* bench: a bytecode interpreter (stack machine) dispatching through a jump table (indirect branches). */
#include <stdio.h>
#include <stdlib.h>
enum { PUSH, LOAD, STORE, ADD, SUB, MUL, JNZ, DEC, DUP, DROP, HALT, XOR, SHR };
static const int prog[] = {
    PUSH, 0, STORE, 0,           /* acc = 0 */
    PUSH, 150000, STORE, 1,      /* n = 150000 */
    /* loop at 8: */
    LOAD, 0, LOAD, 1, MUL, PUSH, 7, XOR, LOAD, 0, ADD, PUSH, 3, SHR, STORE, 0,
    LOAD, 1, DEC, DUP, STORE, 1, JNZ, 8,
    LOAD, 0, HALT,
};
static int quiet;
static int work(void)
{
    int stack[64], sp = 0, pc = 0, vars[4] = { 0 };
    static void *labels[] = { &&push, &&load, &&store, &&add, &&sub, &&mul, &&jnz, &&dec, &&dup, &&drop, &&halt, &&xor, &&shr };
#define NEXT goto *labels[prog[pc++]]
    NEXT;
push: stack[sp++] = prog[pc++]; NEXT;
load: stack[sp++] = vars[prog[pc++]]; NEXT;
store: vars[prog[pc++]] = stack[--sp]; NEXT;
add: sp--; stack[sp - 1] += stack[sp]; NEXT;
sub: sp--; stack[sp - 1] -= stack[sp]; NEXT;
mul: sp--; stack[sp - 1] *= stack[sp]; NEXT;
xor: sp--; stack[sp - 1] ^= stack[sp]; NEXT;
shr: sp--; stack[sp - 1] = (int)((unsigned)stack[sp - 1] >> stack[sp]); NEXT;
jnz: { int t = prog[pc++]; if (stack[--sp]) pc = t; } NEXT;
dec: stack[sp - 1]--; NEXT;
dup: stack[sp] = stack[sp - 1]; sp++; NEXT;
drop: sp--; NEXT;
halt: if (!quiet) printf("%d\n", stack[sp - 1]);
    return 0;
}
/* argv[1] = repetitions (default 1), so that a fast peer runs long enough to be timed; the result
 * is printed once, by the last repetition. */
int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 1;
    int status = 0;
    for (int r = 0; r < reps; r++) { quiet = r + 1 < reps; status = work(); }
    return status;
}
