/* bench: sieve of Eratosthenes over 2,000,000 numbers, 1 round. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static unsigned char c[2000000];
static int quiet;
static int work(void)
{
    int count = 0;
    for (int round = 0; round < 1; round++) {
        memset(c, 0, sizeof c);
        count = 0;
        for (int i = 2; i < (int)sizeof c; i++) {
            if (c[i]) continue;
            count++;
            for (int j = 2 * i; j < (int)sizeof c; j += i) c[j] = 1;
        }
    }
    if (!quiet) printf("%d\n", count);
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
