/* bench: 128x128 integer matrix multiply, twice. */
#include <stdio.h>
#include <stdlib.h>
#define N 128
static int a[N][N], b[N][N], c[N][N];
static int quiet;
static int work(void)
{
    for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) { a[i][j] = (i * 3 + j) % 17 - 8; b[i][j] = (i - j * 5) % 13; }
    long long sum = 0;
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                int s = 0;
                for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
                c[i][j] = s;
            }
        for (int i = 0; i < N; i++) for (int j = 0; j < N; j++) { sum += c[i][j]; a[i][j] = c[i][j] % 31; }
    }
    if (!quiet) printf("%lld\n", sum);
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
