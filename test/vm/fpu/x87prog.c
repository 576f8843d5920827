#include <stdio.h>
#include <math.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  volatile double a = 1e16, b = 1.0;
  double c = a + b - a;            /* 80-bit intermediate keeps the 1 */
  printf("excess %.17g\n", c);
  double h = 0; long double hl = 0;
  for (int i = 1; i <= 2000; i++) { h += 1.0 / i; hl += 1.0L / i; }
  printf("harmonic %.17g %La %.21Lg\n", h, hl, hl);
  long double x = 2.0L;
  for (int i = 0; i < 6; i++) x = (x + 2.0L / x) / 2.0L;
  printf("sqrt2 %La %.21Lg %La\n", x, sqrtl(2.0L), sqrtl(3.0L));
  double v[5] = {1.5, -2.25, 1e300, 3.0e-310, 0.1};
  for (int i = 0; i < 5; i++) {
    double y = v[i] * v[(i + 1) % 5] / 3.0;
    float f = (float)y;
    printf("%d %.17g %a %.9g %ld %lld\n", i, y, y, f, (long)(v[i] * 1000), (long long)(v[i] * 1e6));
  }
  long double big = 1.0L;
  for (int i = 0; i < 40; i++) big *= 3.0L;
  printf("pow %.0Lf %La cmp %d %d\n", big, big, big > 1e19L, (double)big == (double)(big + 1));
  unsigned long long u = 18446744073709551615ULL; long double lu = u;
  printf("u64 %La %llu\n", lu, (unsigned long long)(lu / 3));
  printf("fmod %.17g remainder %.17g\n", fmod(10.0, 3.3), remainder(10.0, 3.3));
  return 0;
}
