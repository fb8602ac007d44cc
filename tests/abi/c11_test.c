/* C11 check of include/macinmeter.h: it compiles cleanly as C11 (gcc -std=c11 -Wall -Wextra
 * -Werror -pedantic) and a minimal analysis runs when linked to the static library.
 * Built and run by tests/abi.rs. */
#include "macinmeter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(mm_status) == 4, "mm_status is an int32_t in C");
_Static_assert(MM_ABI_VERSION == 1, "this test describes ABI version 1");

int main(void) {
    if (mm_abi_version() != MM_ABI_VERSION) return 1;
    mm_analyzer *a = NULL;
    mm_analyzer_options options = mm_analyzer_options_default();
    if (mm_analyzer_new(44100, 1, &options, &a) != MM_OK) return 2;
    /* 5 s of DC 0.5: DR = 20 log10(0.5 / 0.7071) by ALGORITHM.md §10. */
    static float dc[5 * 44100];
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; ++i) dc[i] = 0.5f;
    if (mm_analyzer_push_f32(a, dc, sizeof dc / sizeof dc[0]) != MM_OK) return 3;
    mm_result *r = NULL;
    if (mm_analyzer_finish(a, &r) != MM_OK) return 4;
    mm_analyzer_free(a);
    mm_track_summary s;
    if (mm_result_summary(r, &s) != MM_OK) return 5;
    const double expected = 20.0 * log10(0.5 / 0.7071);
    if (!s.has_dr || fabs(s.precise_dr - expected) > 1e-12 || s.official_dr != -3) return 6;
    mm_result_free(r);
    /* A misuse: a status and a message, no crash. */
    if (mm_analyzer_push_f64(NULL, NULL, 1) != MM_NULL_POINTER || strlen(mm_last_error()) == 0) return 7;
    printf("c11: libmacinmeter %s, DR %.2f\n", mm_version(), s.precise_dr);
    return 0;
}
