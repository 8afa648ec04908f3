//! Pieces shared by pages.

pub mod health;
pub mod states;
