/* C11 check of include/macinmeter.h: it compiles cleanly as C11 (gcc -std=c11 -Wall -Wextra
 * -Werror -pedantic) and a minimal analysis runs when linked to the static library.
 * Built and run by tests/abi.rs. */
#include "macinmeter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(mm_status) == 4, "mm_status is an int32_t in C");
_Static_assert(MM_ABI_VERSION == 2, "this test describes ABI version 2");

int main(void) {
    if (mm_abi_version() != MM_ABI_VERSION) return 1;
    mm_analyzer *a = NULL;
    mm_analyzer_options options = mm_analyzer_options_default();
    if (options.excluded_channel != -1 || options.channel_weighting != MM_CHANNEL_WEIGHTING_EQUAL) return 2;
    if (mm_analyzer_new(44100, 1, &options, &a) != MM_OK) return 2;
    /* 5 s of DC 0.5 by ALGORITHM.md: a window of 132480 frames and a tail of 88020, each of
     * RMS sqrt(2 * 0.25) = 0.7071 (-3.01 dB, above the peak's -6.02 dB): the DR against the
     * peak is negative, so it clamps at 0. Peak -6.02 dBFS, RMS column sqrt(0.5): -3.01 dBFS. */
    static float dc[5 * 44100];
    for (size_t i = 0; i < sizeof dc / sizeof dc[0]; ++i) dc[i] = 0.5f;
    if (mm_analyzer_push_f32(a, dc, sizeof dc / sizeof dc[0]) != MM_OK) return 3;
    mm_result *r = NULL;
    if (mm_analyzer_finish(a, &r) != MM_OK) return 4;
    mm_analyzer_free(a);
    mm_track_summary s;
    if (mm_result_summary(r, &s) != MM_OK) return 5;
    const float peak_db = (float)(20.0 * log10(0.5)), rms_db = (float)(20.0 * log10(sqrt(0.5)));
    if (s.windows != 2 || s.official_dr != 0 || s.dr != 0.0f || s.all_silent) return 6;
    if (fabsf(s.peak_db - peak_db) > 1e-5f || fabsf(s.rms_db - rms_db) > 1e-5f || s.peak != 0.5f) return 6;
    mm_result_free(r);
    /* A misuse: a status and a message, no crash. */
    if (mm_analyzer_push_f64(NULL, NULL, 1) != MM_NULL_POINTER || strlen(mm_last_error()) == 0) return 7;
    printf("c11: libmacinmeter %s, DR%d, Peak %.2f dBFS, RMS %.2f dBFS\n", mm_version(), (int)s.official_dr,
           s.peak_db, s.rms_db);
    return 0;
}
