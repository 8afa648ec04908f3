//! One module per page.

pub mod fleet;
pub mod instrument;
pub mod login;
pub mod not_found;
pub mod warnings;
