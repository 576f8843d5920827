/* bench: x87 arithmetic: numerical integration and a Mandelbrot count in double precision. */
#include <stdio.h>
#include <stdlib.h>
static int quiet;
static int work(void)
{
    double sum = 0;
    for (int i = 1; i <= 100000; i++) { double x = i / 100000.0; sum += 4.0 / (1.0 + x * x); }
    int inside = 0;
    for (int py = 0; py < 30; py++)
        for (int px = 0; px < 40; px++) {
            double cr = -2.0 + px * 2.5 / 40, ci = -1.25 + py * 2.5 / 30, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
            if (k == 200) inside++;
        }
    if (!quiet) printf("%.10f %d\n", sum / 100000, inside);
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
