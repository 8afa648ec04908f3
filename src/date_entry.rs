//! Dates as a lab's people type them. Browsers draw `<input type="date">` in the
//! *browser's* locale (mm/dd/yyyy in a US-English browser, whatever the lab), so the
//! dashboard's date fields are text typed in the lab's order, read here, and shown back
//! with their weekday. The order comes from the lab's time zone: month first in the United
//! States, year first where that is the national form (China, Japan, Korea, Taiwan,
//! Mongolia, Hungary, Sweden, Lithuania), day first elsewhere (the UK, the rest of Europe,
//! Latin America, Oceania, India, Africa…). ISO "2026-12-10" is read in every lab.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// 10/12/2026
    DayMonthYear,
    /// 12/10/2026
    MonthDayYear,
    /// 2026-12-10
    YearMonthDay,
}

/// Zones of the United States (and its legacy `US/…` names).
const MONTH_FIRST: &[&str] = &[
    "America/New_York",
    "America/Detroit",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Boise",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Juneau",
    "America/Sitka",
    "America/Nome",
    "America/Yakutat",
    "America/Metlakatla",
    "America/Adak",
    "America/Menominee",
    "America/Indiana/",
    "America/Kentucky/",
    "America/North_Dakota/",
    "America/Louisville",
    "America/Indianapolis",
    "Pacific/Honolulu",
    "US/",
];

const YEAR_FIRST: &[&str] = &[
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Taipei",
    "Asia/Pyongyang",
    "Asia/Ulaanbaatar",
    "Europe/Budapest",
    "Europe/Stockholm",
    "Europe/Vilnius",
];

impl DateOrder {
    /// How people in the lab's time zone `tz` write a date.
    pub fn of_zone(tz: &str) -> DateOrder {
        let listed = |list: &[&str]| {
            list.iter()
                .any(|z| tz == *z || (z.ends_with('/') && tz.starts_with(z)))
        };
        if listed(MONTH_FIRST) {
            DateOrder::MonthDayYear
        } else if listed(YEAR_FIRST) {
            DateOrder::YearMonthDay
        } else {
            DateOrder::DayMonthYear
        }
    }

    /// What to type, in the user's language ("dd/mm/yyyy", "gg/mm/aaaa").
    pub fn pattern(self) -> &'static str {
        match self {
            DateOrder::DayMonthYear => t!("dd/mm/yyyy"),
            DateOrder::MonthDayYear => t!("mm/dd/yyyy"),
            DateOrder::YearMonthDay => t!("yyyy-mm-dd"),
        }
    }

    /// `d` as typed in this order, with leading zeros (by hand: chrono's `format` costs
    /// kilobytes of wasm).
    pub fn show(self, d: NaiveDate) -> String {
        use chrono::Datelike;
        let (y, m, day) = (d.year(), d.month(), d.day());
        match self {
            DateOrder::DayMonthYear => format!("{day:02}/{m:02}/{y:04}"),
            DateOrder::MonthDayYear => format!("{m:02}/{day:02}/{y:04}"),
            DateOrder::YearMonthDay => format!("{y:04}-{m:02}-{day:02}"),
        }
    }

    /// The date `text` names in this order: three numbers split by `/`, `.`, `-` or
    /// spaces, the year in four digits; an ISO date in any order. `None` for anything
    /// else, or a day the calendar has not (31/02).
    pub fn read(self, text: &str) -> Option<NaiveDate> {
        let parts: Vec<&str> = text
            .trim()
            .split(['/', '.', '-', ' '])
            .filter(|p| !p.is_empty())
            .collect();
        let [a, b, c] = parts[..] else { return None };
        if [a, b, c]
            .iter()
            .any(|p| p.len() > 4 || !p.bytes().all(|x| x.is_ascii_digit()))
        {
            return None;
        }
        let n = |p: &str| p.parse::<u32>().ok();
        let (y, m, d) = if a.len() == 4 {
            (a, b, c)
        } else {
            match self {
                DateOrder::DayMonthYear => (c, b, a),
                DateOrder::MonthDayYear => (c, a, b),
                DateOrder::YearMonthDay => return None,
            }
        };
        if y.len() != 4 || m.len() > 2 || d.len() > 2 {
            return None;
        }
        NaiveDate::from_ymd_opt(n(y)? as i32, n(m)?, n(d)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_uk_lab_types_day_first_a_us_lab_month_first() {
        let uk = DateOrder::of_zone("Europe/London");
        assert_eq!(uk, DateOrder::DayMonthYear);
        assert_eq!(uk.read("10/12/2026"), Some(day(2026, 12, 10)));
        assert_eq!(uk.read("1.2.2027"), Some(day(2027, 2, 1)));
        assert_eq!(uk.show(day(2027, 2, 1)), "01/02/2027");
        let us = DateOrder::of_zone("America/Chicago");
        assert_eq!(us, DateOrder::MonthDayYear);
        assert_eq!(us.read("10/12/2026"), Some(day(2026, 10, 12)));
        assert_eq!(us.show(day(2027, 2, 1)), "02/01/2027");
        assert_eq!(
            DateOrder::of_zone("America/Indiana/Knox"),
            DateOrder::MonthDayYear
        );
        assert_eq!(
            DateOrder::of_zone("America/Toronto"),
            DateOrder::DayMonthYear
        );
        assert_eq!(DateOrder::of_zone("Europe/Rome"), DateOrder::DayMonthYear);
        assert_eq!(DateOrder::of_zone("Europe/Madrid"), DateOrder::DayMonthYear);
        let tokyo = DateOrder::of_zone("Asia/Tokyo");
        assert_eq!(tokyo, DateOrder::YearMonthDay);
        assert_eq!(tokyo.read("2026/12/10"), Some(day(2026, 12, 10)));
        assert_eq!(tokyo.show(day(2026, 12, 10)), "2026-12-10");
    }

    #[test]
    fn iso_reads_everywhere_and_nonsense_nowhere() {
        for order in [
            DateOrder::DayMonthYear,
            DateOrder::MonthDayYear,
            DateOrder::YearMonthDay,
        ] {
            assert_eq!(order.read(" 2026-12-10 "), Some(day(2026, 12, 10)));
            assert_eq!(
                order.read(&order.show(day(2028, 2, 29))),
                Some(day(2028, 2, 29))
            );
            for bad in [
                "",
                "10/12",
                "10/12/26",
                "31/02/2026",
                "02/31/2026",
                "10/12/2026/1",
                "1o/12/2026",
                "10//",
                "+1/12/2026",
                "100/12/2026",
                "2026-13-01",
                "99999/1/1",
            ] {
                assert_eq!(order.read(bad), None, "{order:?} {bad:?}");
            }
        }
    }
}
