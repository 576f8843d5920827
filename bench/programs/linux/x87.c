/* bench: x87 arithmetic: numerical integration and a Mandelbrot count in double precision. */
#include <stdio.h>
int main(void)
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
    printf("%.10f %d\n", sum / 100000, inside);
    return 0;
}
