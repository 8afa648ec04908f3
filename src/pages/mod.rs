//! One module per page.

pub mod accept;
pub mod account;
pub mod audit;
pub mod fleet;
pub mod instrument;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod replacements;
pub mod team;
pub mod warnings;
