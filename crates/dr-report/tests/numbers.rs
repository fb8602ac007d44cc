//! Numbers as C's printf prints them, and durations; expected values worked out by hand
//! (the ties are exact binary values, which glibc rounds half to even).

use dr_report::{db_text, duration_text, fixed2, LogDate};

#[test]
fn two_decimals_round_like_glibc_printf() {
    // Exact ties in binary: glibc gives the even neighbour.
    assert_eq!(fixed2(0.125), "0.12");
    assert_eq!(fixed2(0.375), "0.38");
    assert_eq!(fixed2(-0.125), "-0.12");
    assert_eq!(fixed2(10.125), "10.12");
    assert_eq!(fixed2(-10.375), "-10.38");
    // Not ties: 2.675 is 2.67499999... and 1.005 is 1.00499999... in binary.
    assert_eq!(fixed2(2.675), "2.67");
    assert_eq!(fixed2(1.005), "1.00");
    // 0.015 is 0.01499999..., 0.025 is 0.02500000000000000138...
    assert_eq!(fixed2(0.015), "0.01");
    assert_eq!(fixed2(0.025), "0.03");
    // printf keeps the sign of a negative value that rounds to zero.
    assert_eq!(fixed2(-0.001), "-0.00");
    assert_eq!(fixed2(-15.774), "-15.77");
    assert_eq!(fixed2(f64::NEG_INFINITY), "-inf");
    assert_eq!(fixed2(f64::INFINITY), "inf");
    assert_eq!(fixed2(f64::NAN), "nan");
    assert_eq!(format!("{:>10}", fixed2(f64::NEG_INFINITY)), "      -inf");
}

#[test]
fn published_db_values_print_like_dr_meter() {
    // f32 values; -0.00 never appears (ALGORITHM.md §8), -inf for 0.
    assert_eq!(db_text(Some(-0.005)), "0.00");
    assert_eq!(db_text(Some(0.009)), "0.00");
    assert_eq!(db_text(Some(-12.04)), "-12.04");
    assert_eq!(db_text(Some(-6.0206)), "-6.02");
    assert_eq!(db_text(None), "-inf");
}

#[test]
fn durations_split_whole_seconds_into_units() {
    assert_eq!(duration_text(0), "0:00");
    assert_eq!(duration_text(59), "0:59");
    assert_eq!(duration_text(60), "1:00");
    // Each unit from its first value: 1 h, 1 d, 1 wk; and the last value before each.
    assert_eq!(duration_text(3599), "59:59");
    assert_eq!(duration_text(3600), "1:00:00");
    assert_eq!(duration_text(86_399), "23:59:59");
    assert_eq!(duration_text(86_400), "1d 0:00:00");
    assert_eq!(duration_text(604_799), "6d 23:59:59");
    assert_eq!(duration_text(604_800), "1wk 0d 0:00:00");
    assert_eq!(duration_text(3723), "1:02:03");
    assert_eq!(duration_text(280), "4:40");
    // 1 day, 2 hours, 3 minutes, 4 seconds = 93784 s.
    assert_eq!(duration_text(93_784), "1d 2:03:04");
    // 2 weeks, 3 days, 4:05:06 = 2*604800 + 3*86400 + 4*3600 + 5*60 + 6 = 1483506 s.
    assert_eq!(duration_text(1_483_506), "2wk 3d 4:05:06");
}

#[test]
fn log_dates_are_zero_padded() {
    let date = LogDate {
        year: 2026,
        month: 1,
        day: 2,
        hour: 3,
        minute: 4,
        second: 5,
    };
    assert_eq!(date.to_string(), "2026-01-02 03:04:05");
}

#[test]
fn log_dates_parse_strictly() {
    let d: dr_report::LogDate = "2026-11-21 14:03:07".parse().unwrap();
    assert_eq!(
        (d.year, d.month, d.day, d.hour, d.minute, d.second),
        (2026, 11, 21, 14, 3, 7)
    );
    assert_eq!(d.to_string(), "2026-11-21 14:03:07");
    for bad in [
        "2026-11-21",
        "2026-11-21 14:03:x7",
        "2026-13-01 00:00:00",
        "2026-11-21 24:00:00",
        "2026/11/21 14:03:07",
    ] {
        assert!(bad.parse::<dr_report::LogDate>().is_err(), "{bad}");
    }
}
