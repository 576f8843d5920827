/* bench: qsort of 80,000 integers (function-pointer comparisons). */
#include <stdio.h>
#include <stdlib.h>
static int v[80000];
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
static int quiet;
static int work(void)
{
    unsigned s = 1;
    for (int i = 0; i < 80000; i++) { s = s * 1103515245u + 12345u; v[i] = (int)(s >> 1); }
    qsort(v, 80000, sizeof v[0], cmp);
    if (!quiet) printf("%d %d %d\n", v[0], v[40000], v[79999]);
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
