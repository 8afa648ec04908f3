//! The lab's appointments as iCalendar: the document, and the secret-address feed.

mod feed;
mod ics;

pub use feed::{created_at, lab_calendar, lab_of, rotate};
pub use ics::{render, CalendarEvent};
