//! ASL timestamps: the strict RFC 3339 profile that Step Functions accepts.
//!
//! The States Language requires timestamps to be RFC 3339 date-times with an uppercase `T`
//! between date and time and either an uppercase `Z` or a numeric offset. Step Functions
//! applies this in `IsTimestamp`, in the `Timestamp*` Choice operators and in Wait's
//! `Timestamp`/`TimestampPath`. Accepted:
//!
//! - `YYYY-MM-DDTHH:MM:SS`, every field with exactly that many digits;
//! - an optional fraction of one to nine digits (`.5`, `.243167252`);
//! - `Z`, or an offset `+HH:MM` / `-HH:MM` of at most 18 hours (the limit of the ISO-8601
//!   offset date-time parser whose name AWS's error messages quote).
//!
//! Rejected: lowercase `t`/`z`, a space instead of `T`, a missing offset, a date-only string,
//! out-of-range fields (month 13, hour 24 or 25, minute or second 60, February 30), leap
//! seconds, and anything before or after the date-time.

use std::cmp::Ordering;

/// The largest offset, in seconds, a timestamp may carry (18 hours).
const MAX_OFFSET_SECONDS: i64 = 18 * 3600;

/// A point in time read from an ASL timestamp: seconds and nanoseconds since the Unix epoch.
///
/// It covers every instant an RFC 3339 string can spell (years 0000 to 9999 with any allowed
/// offset), which is slightly wider than [`jiff::Timestamp`]'s range at both ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instant {
    seconds: i64,
    nanos: u32,
}

impl Instant {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    pub fn seconds(self) -> i64 {
        self.seconds
    }

    /// Nanoseconds past [`Instant::seconds`], below one billion.
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// The same instant as a [`jiff::Timestamp`], or `None` for the few instants at the very
    /// ends of year 0000 and year 9999 that jiff cannot represent.
    pub fn to_jiff(self) -> Option<jiff::Timestamp> {
        let nanos = i32::try_from(self.nanos).ok()?;
        jiff::Timestamp::new(self.seconds, nanos).ok()
    }
}

impl Ord for Instant {
    fn cmp(&self, other: &Self) -> Ordering {
        self.seconds.cmp(&other.seconds).then(self.nanos.cmp(&other.nanos))
    }
}

impl PartialOrd for Instant {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Strict AWS timestamp: RFC 3339 with uppercase 'T' and 'Z' or numeric offset (as Step
/// Functions' IsTimestamp / Wait Timestamp accept).
///
/// Returns `None` for anything else, and for the handful of valid strings at the extreme ends
/// of the year range that [`jiff::Timestamp`] cannot hold; [`parse_instant`] accepts those too.
pub fn parse_timestamp(s: &str) -> Option<jiff::Timestamp> {
    parse_instant(s)?.to_jiff()
}

/// Whether `s` is a timestamp Step Functions accepts (the `IsTimestamp` test).
pub fn is_timestamp(s: &str) -> bool {
    parse_instant(s).is_some()
}

/// Parse a strict ASL timestamp into an [`Instant`]. See the module documentation for the
/// accepted form.
pub fn parse_instant(s: &str) -> Option<Instant> {
    let mut c = Cursor { bytes: s.as_bytes(), pos: 0 };
    let year = c.digits(4)?;
    c.expect(b'-')?;
    let month = c.digits(2)?;
    c.expect(b'-')?;
    let day = c.digits(2)?;
    c.expect(b'T')?;
    let hour = c.digits(2)?;
    c.expect(b':')?;
    let minute = c.digits(2)?;
    c.expect(b':')?;
    let second = c.digits(2)?;
    let nanos = if c.peek() == Some(b'.') {
        c.pos += 1;
        c.fraction()?
    } else {
        0
    };
    let offset = c.offset()?;
    if c.pos != c.bytes.len() {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(Instant { seconds, nanos })
}

/// A read position in the input; every method returns `None` on a mismatch.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        if self.peek()? == b {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut value = 0i64;
        for _ in 0..n {
            let b = self.peek()?;
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
            self.pos += 1;
        }
        Some(value)
    }

    /// One to nine digits after the decimal point, scaled to nanoseconds.
    fn fraction(&mut self) -> Option<u32> {
        let mut nanos = 0u32;
        let mut count = 0u32;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            if count == 9 {
                return None;
            }
            nanos = nanos * 10 + u32::from(b - b'0');
            count += 1;
            self.pos += 1;
        }
        if count == 0 {
            return None;
        }
        Some(nanos * 10u32.pow(9 - count))
    }

    /// `Z` or `+HH:MM` / `-HH:MM`, as seconds east of UTC.
    fn offset(&mut self) -> Option<i64> {
        let sign = match self.peek()? {
            b'Z' => {
                self.pos += 1;
                return Some(0);
            }
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.pos += 1;
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        if minutes > 59 {
            return None;
        }
        let total = hours * 3600 + minutes * 60;
        if total > MAX_OFFSET_SECONDS {
            return None;
        }
        Some(sign * total)
    }
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (negative before it).
///
/// Counts whole 400-year eras (146 097 days each) from 0000-03-01, then the day within the
/// era, with March as the first month so that the leap day falls at the end of the year.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let shifted_month = (month + 9) % 12; // March = 0 .. February = 11
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719 468 days separate 0000-03-01 from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
#[path = "timestamp/tests.rs"]
mod tests;
