use super::*;

fn secs(s: &str) -> Option<(i64, u32)> {
    parse_instant(s).map(|i| (i.seconds(), i.subsec_nanos()))
}

#[test]
fn accepted_forms_and_their_instants() {
    // Epoch seconds computed independently (GNU `date -u -d ... +%s`).
    let cases: &[(&str, i64, u32)] = &[
        ("1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59Z", -1, 0),
        ("2016-03-14T01:59:00Z", 1_457_920_740, 0),
        ("2012-10-09T19:00:55+01:00", 1_349_805_655, 0),
        ("2012-10-09T18:00:55Z", 1_349_805_655, 0),
        ("2012-10-09T17:30:55-00:30", 1_349_805_655, 0),
        ("2016-03-05T21:29:29.243167252Z", 1_457_213_369, 243_167_252),
        ("2016-03-05T21:29:29.5Z", 1_457_213_369, 500_000_000),
        ("2016-03-05T21:29:29.000000001Z", 1_457_213_369, 1),
        ("0000-01-01T00:00:00Z", -62_167_219_200, 0),
        ("9999-12-31T23:59:59Z", 253_402_300_799, 0),
        ("2024-02-29T12:00:00Z", 1_709_208_000, 0),
        ("2000-02-29T00:00:00Z", 951_782_400, 0),
        ("2016-12-05T21:29:29+18:00", 1_480_973_369 - 18 * 3600, 0),
        ("2016-12-05T21:29:29-18:00", 1_480_973_369 + 18 * 3600, 0),
    ];
    for &(s, want_secs, want_nanos) in cases {
        assert_eq!(secs(s), Some((want_secs, want_nanos)), "{s}");
        assert!(is_timestamp(s), "{s}");
    }
}

#[test]
fn rejected_forms() {
    let cases = [
        "",
        "2016-12-05t21:29:29Z",            // lowercase t
        "2016-12-05T21:29:29z",            // lowercase z
        "2016-12-05T21:29:29",             // no offset
        "2016-12-05 21:29:29Z",            // space instead of T
        "2016-12-05",                      // date only
        "2023-02-24",                      // date only
        "21:29:29Z",                       // time only
        "05-12-2016T21:29:29Z",            // day-month-year
        "2016-13-05T21:29:29Z",            // month 13
        "2016-00-05T21:29:29Z",            // month 0
        "2016-12-00T21:29:29Z",            // day 0
        "2016-12-32T21:29:29Z",            // day 32
        "2015-02-29T00:00:00Z",            // not a leap year
        "1900-02-29T00:00:00Z",            // century, not a leap year
        "2016-04-31T00:00:00Z",            // April has 30 days
        "2016-12-05T25:29:29Z",            // hour 25
        "2016-12-05T24:00:00Z",            // hour 24
        "2016-12-05T21:60:29Z",            // minute 60
        "2016-12-05T23:59:60Z",            // leap second
        "2016-12-05T21:29Z",               // no seconds
        "2016-12-05T21:29:29.Z",           // empty fraction
        "2016-12-05T21:29:29.1234567891Z", // ten fraction digits
        "2016-12-05T21:29:29,5Z",          // comma fraction
        "2016-12-05T21:29:29+0100",        // offset without colon
        "2016-12-05T21:29:29+01",          // offset without minutes
        "2016-12-05T21:29:29+19:00",       // offset beyond 18 hours
        "2016-12-05T21:29:29+18:01",
        "2016-12-05T21:29:29+01:60", // offset minute 60
        "2016-12-05T21:29:29Z ",     // trailing text
        " 2016-12-05T21:29:29Z",     // leading text
        "2016-12-05T21:29:29ZZ",
        "+2016-12-05T21:29:29Z", // signed year
        "12016-12-05T21:29:29Z", // five-digit year
        "2016-1-05T21:29:29Z",   // one-digit month
        "2016-12-05T21:29:29+01:00[Europe/Paris]",
        "２０１６-12-05T21:29:29Z", // non-ASCII digits
        "2016-12-05T21:29:29.５Z",
    ];
    for s in cases {
        assert_eq!(parse_instant(s), None, "{s:?} should be rejected");
        assert_eq!(parse_timestamp(s), None, "{s:?} should be rejected");
        assert!(!is_timestamp(s), "{s:?}");
    }
}

#[test]
fn agrees_with_jiff_on_every_day_of_several_centuries() {
    // Walk every day from 1599-12-25 to 2401-01-05 (crossing the 1600/2000/2400 leap rules
    // and the epoch) at a few offsets, and check the instant against jiff's own arithmetic.
    let mut date = jiff::civil::date(1599, 12, 25);
    let end = jiff::civil::date(2401, 1, 5);
    let offsets = [("Z", 0), ("+05:45", 5 * 3600 + 45 * 60), ("-11:00", -11 * 3600)];
    while date <= end {
        for (text, offset_secs) in offsets {
            let s = format!("{date}T13:07:42.25{text}");
            let ours = parse_timestamp(&s).unwrap_or_else(|| panic!("rejected {s}"));
            let offset = jiff::tz::Offset::from_seconds(offset_secs).unwrap();
            let theirs = offset.to_timestamp(date.at(13, 7, 42, 250_000_000)).unwrap();
            assert_eq!(ours, theirs, "{s}");
        }
        date = date.tomorrow().unwrap();
    }
}

#[test]
fn instants_order_by_time_not_by_text() {
    let a = parse_instant("2012-10-09T19:00:55+01:00").unwrap();
    let b = parse_instant("2012-10-09T18:00:55Z").unwrap();
    let c = parse_instant("2012-10-09T18:00:55.000000001Z").unwrap();
    let d = parse_instant("1969-12-31T23:59:59.999999999Z").unwrap();
    let e = parse_instant("1970-01-01T00:00:00Z").unwrap();
    assert_eq!(a, b);
    assert!(b < c);
    assert!(d < e);
    assert_eq!(d.seconds(), -1);
    assert_eq!(d.subsec_nanos(), 999_999_999);
}

#[test]
fn extreme_years_parse_even_where_jiff_cannot_hold_them() {
    let last = parse_instant("9999-12-31T23:59:59.999999999Z").unwrap();
    assert_eq!(last.seconds(), 253_402_300_799);
    assert_eq!(last.to_jiff(), None);
    assert_eq!(parse_timestamp("9999-12-31T23:59:59Z"), None);
    assert!(is_timestamp("9999-12-31T23:59:59Z"));
    let first = parse_instant("0000-01-01T00:00:00+18:00").unwrap();
    assert_eq!(first.seconds(), -62_167_219_200 - 18 * 3600);
    assert!(parse_timestamp("2016-12-05T21:29:29Z").is_some());
}

#[test]
fn never_panics_on_arbitrary_prefixes_and_bytes() {
    let base = "2016-03-05T21:29:29.243167252+05:30";
    for end in 0..=base.len() {
        let prefix = &base[..end];
        let ok = parse_instant(prefix).is_some();
        assert_eq!(ok, end == base.len(), "{prefix:?}");
    }
    // Replace each position with every printable ASCII character: only the
    // digit-for-digit swaps that still spell a valid date may be accepted.
    for i in 0..base.len() {
        for b in 0x20u8..0x7f {
            let mut bytes = base.as_bytes().to_vec();
            bytes[i] = b;
            let s = String::from_utf8(bytes).unwrap();
            if parse_instant(&s).is_some() {
                assert!(b.is_ascii_digit() || base.as_bytes()[i] == b || (i == 29 && b == b'-'), "{s:?}");
            }
        }
    }
}
