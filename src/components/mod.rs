//! Pieces shared by pages.

pub mod calendar;
pub mod enrollment;
pub mod health;
pub mod planned_runs;
pub mod predictions;
pub mod replacements;
pub mod sensors;
pub mod states;
pub mod warnings;

/// Names the page in the browser tab and for screen readers.
pub fn set_title(page: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{page} · seqhealth"));
    }
}
