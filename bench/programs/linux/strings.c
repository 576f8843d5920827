/* bench: string-heavy work: sprintf, strlen, strcmp, strstr, memcpy over many small strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int quiet;
static int work(void)
{
    static char words[4096][24];
    unsigned h = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 4096; i++) sprintf(words[i], "w%d-%x-%d", i * 7 + round, i * 2654435761u, round);
        for (int i = 1; i < 4096; i++) {
            h = h * 31 + (unsigned)strlen(words[i]);
            h += (unsigned)(strcmp(words[i - 1], words[i]) > 0);
            if (strstr(words[i], "-1")) h ^= (unsigned)i;
            char tmp[48];
            memcpy(tmp, words[i], strlen(words[i]) + 1);
            strcat(tmp, words[i - 1]);
            h += (unsigned)tmp[strlen(tmp) / 2];
        }
    }
    if (!quiet) printf("%u\n", h);
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
