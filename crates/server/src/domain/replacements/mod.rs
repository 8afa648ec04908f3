//! Component replacements: seqhealth recommends them from predictions and warnings; a
//! manager schedules, reschedules, cancels or completes them. Every transition is one
//! conditional UPDATE (the expected status is in its WHERE), so two managers at once
//! cannot both win, and it lands in the same transaction as its audit-log entry.

mod lifecycle;
mod rows;
mod slots;

pub use lifecycle::{cancel, complete, last_completed, reschedule, schedule};
pub use rows::{collisions, get, list, planned_run, Filter};
pub use slots::{
    lab_zone, local_date, slot_window, spoken_date, spoken_day, zone, DAY, MAX_SCHEDULE_AHEAD_DAYS,
};
