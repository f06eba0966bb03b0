//! Durations as typed in commands: `30s`, `10m`, `2h`, `7d`, `1w`, `1y`, or several parts
//! from the largest unit down (`1h30m`, `1w2d`).
//!
//! A duration is positive and at most [`MAX_DURATION_SECS`] (365 days, which `1y` also
//! means): a ban, mute, token or invite meant to last longer has no expiry at all. Units are
//! lower-case (`10M` is refused rather than guessed to be minutes or months), each unit
//! appears once, and the largest comes first.

use std::fmt;

/// The longest duration a command accepts: 365 days.
pub const MAX_DURATION_SECS: u64 = 365 * DAY;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
const YEAR: u64 = 365 * DAY;

/// The units, largest first, with their length in seconds.
const UNITS: [(char, u64); 6] = [
    ('y', YEAR),
    ('w', WEEK),
    ('d', DAY),
    ('h', HOUR),
    ('m', MINUTE),
    ('s', 1),
];

/// A positive length of time of at most [`MAX_DURATION_SECS`], to whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    secs: u64,
}

/// Why a text is not a [`Duration`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("a duration cannot be negative")]
    Negative,
    #[error("a duration must be longer than zero")]
    Zero,
    #[error("the longest duration is 365 days (365d or 1y); leave it out for no end")]
    TooLong,
    #[error("a number needs a unit: s, m, h, d, w or y (as in 10m, 2h, 7d)")]
    MissingUnit,
    #[error("{0:?} is not a unit; use s, m, h, d, w or y (as in 10m, 2h, 7d)")]
    UnknownUnit(String),
    #[error("write a number before each unit, largest unit first, each once (as in 1h30m)")]
    Malformed,
}

impl Duration {
    /// The duration of `secs` seconds, if it is positive and at most the maximum.
    pub fn from_secs(secs: u64) -> Option<Self> {
        (1..=MAX_DURATION_SECS)
            .contains(&secs)
            .then_some(Self { secs })
    }

    /// Parses `10m`, `2h`, `1h30m` and the like.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        if text.starts_with('-') {
            return Err(DurationError::Negative);
        }
        let mut total: u64 = 0;
        // Index into UNITS of the last unit seen: the next must be smaller.
        let mut last: Option<usize> = None;
        let mut rest = text;
        if rest.is_empty() {
            return Err(DurationError::Malformed);
        }
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(DurationError::Malformed);
            }
            let (number, after) = rest.split_at(digits);
            let unit_len = after
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_len);
            if unit.is_empty() {
                return Err(DurationError::MissingUnit);
            }
            let Some(index) = UNITS
                .iter()
                .position(|(u, _)| unit.len() == 1 && unit.starts_with(*u))
            else {
                return Err(DurationError::UnknownUnit(unit.to_owned()));
            };
            if last.is_some_and(|l| index <= l) {
                return Err(DurationError::Malformed);
            }
            last = Some(index);
            // Anything that does not fit in a u64 is far beyond the maximum anyway.
            let part = number
                .parse::<u64>()
                .ok()
                .and_then(|n| n.checked_mul(UNITS[index].1))
                .ok_or(DurationError::TooLong)?;
            total = total.checked_add(part).ok_or(DurationError::TooLong)?;
            rest = after;
        }
        match total {
            0 => Err(DurationError::Zero),
            t if t > MAX_DURATION_SECS => Err(DurationError::TooLong),
            secs => Ok(Self { secs }),
        }
    }

    /// Whether `text` is written like a duration (a digit first, or `-` and a digit, then
    /// only letters and digits), so that a mistyped one is reported rather than taken for
    /// the start of a reason.
    pub fn looks_like(text: &str) -> bool {
        let body = text.strip_prefix('-').unwrap_or(text);
        body.starts_with(|c: char| c.is_ascii_digit())
            && body.chars().all(|c| c.is_ascii_alphanumeric())
    }

    /// The length in seconds.
    pub fn as_secs(self) -> u64 {
        self.secs
    }

    /// The length as a [`chrono::TimeDelta`], to add to a time.
    pub fn to_time_delta(self) -> chrono::TimeDelta {
        // At most 365 days, far inside both i64 and TimeDelta's range.
        chrono::TimeDelta::seconds(i64::try_from(self.secs).unwrap_or(i64::MAX))
    }
}

/// The canonical spelling, which [`Duration::parse`] reads back: `1w2d`, `1h30m`. Whole
/// years are written `1y`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.secs;
        for (unit, len) in UNITS {
            if rest >= len {
                write!(f, "{}{unit}", rest / len)?;
                rest %= len;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> u64 {
        Duration::parse(text).map(Duration::as_secs).unwrap()
    }

    #[test]
    fn single_units() {
        assert_eq!(secs("30s"), 30);
        assert_eq!(secs("10m"), 600);
        assert_eq!(secs("2h"), 7_200);
        assert_eq!(secs("7d"), 604_800);
        assert_eq!(secs("1w"), 604_800);
        assert_eq!(secs("1y"), 365 * 86_400);
        assert_eq!(secs("365d"), MAX_DURATION_SECS);
        assert_eq!(secs("0010m"), 600);
    }

    #[test]
    fn combined_units_largest_first() {
        assert_eq!(secs("1h30m"), 5_400);
        assert_eq!(
            secs("1w2d3h4m5s"),
            604_800 + 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5
        );
        assert_eq!(secs("0h5m"), 300);
        assert_eq!(
            Duration::parse("30m1h"),
            Err(DurationError::Malformed),
            "a smaller unit before a larger one"
        );
        assert_eq!(Duration::parse("1h1h"), Err(DurationError::Malformed));
    }

    #[test]
    fn bad_durations_say_why() {
        assert_eq!(Duration::parse("-5m"), Err(DurationError::Negative));
        assert_eq!(Duration::parse("0m"), Err(DurationError::Zero));
        assert_eq!(Duration::parse("0h0m"), Err(DurationError::Zero));
        assert_eq!(Duration::parse("99999y"), Err(DurationError::TooLong));
        assert_eq!(Duration::parse("366d"), Err(DurationError::TooLong));
        assert_eq!(Duration::parse("1y1s"), Err(DurationError::TooLong));
        assert_eq!(
            Duration::parse("99999999999999999999999m"),
            Err(DurationError::TooLong)
        );
        assert_eq!(
            Duration::parse("18446744073709551615y"),
            Err(DurationError::TooLong)
        );
        assert_eq!(Duration::parse("10"), Err(DurationError::MissingUnit));
        assert_eq!(Duration::parse("1h30"), Err(DurationError::MissingUnit));
        assert_eq!(
            Duration::parse("10M"),
            Err(DurationError::UnknownUnit("M".into()))
        );
        assert_eq!(
            Duration::parse("5min"),
            Err(DurationError::UnknownUnit("min".into()))
        );
        assert_eq!(
            Duration::parse("5é"),
            Err(DurationError::UnknownUnit("é".into()))
        );
        assert_eq!(Duration::parse(""), Err(DurationError::Malformed));
        assert_eq!(Duration::parse("m"), Err(DurationError::Malformed));
        assert_eq!(Duration::parse("+5m"), Err(DurationError::Malformed));
    }

    #[test]
    fn error_sentences_name_the_units() {
        assert_eq!(
            DurationError::UnknownUnit("x".into()).to_string(),
            "\"x\" is not a unit; use s, m, h, d, w or y (as in 10m, 2h, 7d)"
        );
        assert!(DurationError::TooLong.to_string().contains("365 days"));
    }

    #[test]
    fn display_reads_back() {
        for text in ["30s", "10m", "1h30m", "1w2d", "1y", "6d23h59m59s"] {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
        assert_eq!(Duration::parse("90m").unwrap().to_string(), "1h30m");
        assert_eq!(Duration::parse("14d").unwrap().to_string(), "2w");
    }

    #[test]
    fn bounds_of_from_secs_and_time_delta() {
        assert_eq!(Duration::from_secs(0), None);
        assert_eq!(Duration::from_secs(MAX_DURATION_SECS + 1), None);
        let d = Duration::from_secs(90).unwrap();
        assert_eq!(d.to_time_delta(), chrono::TimeDelta::seconds(90));
    }

    #[test]
    fn what_looks_like_a_duration() {
        for text in ["10m", "-5m", "99999y", "10", "1h30", "5min"] {
            assert!(Duration::looks_like(text), "{text}");
        }
        for text in ["spam", "m5", "-", "--expires", "10 m", "1.5h", "🙂", ""] {
            assert!(!Duration::looks_like(text), "{text}");
        }
    }
}
