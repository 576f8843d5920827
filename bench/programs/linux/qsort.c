/* bench: qsort of 80,000 integers (function-pointer comparisons). */
#include <stdio.h>
#include <stdlib.h>
static int v[80000];
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
int main(void)
{
    unsigned s = 1;
    for (int i = 0; i < 80000; i++) { s = s * 1103515245u + 12345u; v[i] = (int)(s >> 1); }
    qsort(v, 80000, sizeof v[0], cmp);
    printf("%d %d %d\n", v[0], v[40000], v[79999]);
    return 0;
}
