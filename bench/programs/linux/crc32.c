/* bench: bitwise and table-driven CRC-32 over a 256 KiB buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
static uint8_t buf[1 << 18];
static uint32_t table[256];
static int quiet;
static int work(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint32_t x = 1;
    for (unsigned i = 0; i < sizeof buf; i++) { x = x * 1664525u + 1013904223u; buf[i] = (uint8_t)(x >> 24); }
    uint32_t crc = 0;
    for (int round = 0; round < 3; round++) {
        crc = ~0u;
        for (unsigned i = 0; i < sizeof buf; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        crc = ~crc;
    }
    uint32_t slow = ~0u;
    for (unsigned i = 0; i < sizeof buf / 4; i++) {
        slow ^= buf[i];
        for (int k = 0; k < 8; k++) slow = slow & 1 ? 0xedb88320u ^ (slow >> 1) : slow >> 1;
    }
    if (!quiet) printf("%08x %08x\n", crc, ~slow);
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
