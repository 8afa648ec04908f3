//! Notifications (issue 25): the outbox written with each change, events fanned out into
//! email and webhook deliveries by each person's preferences, escalations, reminders and
//! the daily digest, silenced instruments, unsubscribe links and the delivery log. The
//! worker that drives it is `jobs::notify`; what messages say is `mail::notices`.

pub mod deliveries;
pub mod digest;
pub mod escalate;
pub mod fanout;
pub mod outbox;
pub mod prefs;
pub mod silence;
pub mod unsubscribe;
pub mod webhooks;
