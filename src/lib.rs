//! The seqhealth dashboard: a Leptos client-side app compiled to WebAssembly.
//!
//! Pure parts (charts, number formatting, routes) compile everywhere and are unit-tested
//! natively; the browser parts compile for wasm32 only.
//!
//! Imports go one way: `app` → `pages` → `components` → `session`, `api` and the pure
//! modules; nothing imports `app`.

// First: its `t!` and `tf!` macros are then in scope in every module below.
#[macro_use]
pub mod i18n;
pub mod chart;
pub mod date_entry;
pub mod format;
pub mod json;
pub mod routes;
pub mod words;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod pages;
#[cfg(target_arch = "wasm32")]
pub mod router;
#[cfg(target_arch = "wasm32")]
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod theme;
#[cfg(target_arch = "wasm32")]
pub mod time;
