/* bench: sieve of Eratosthenes over 2,000,000 numbers, 1 round. */
#include <stdio.h>
#include <string.h>
static unsigned char c[2000000];
int main(void)
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
    printf("%d\n", count);
    return 0;
}
