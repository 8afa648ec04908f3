//! seqhealth health engine: pure logic, no I/O.
//!
//! Everything here takes plain data and returns plain data, so the server can call it on
//! what it stored and the benchmark can call it on what the simulator injected, with the
//! same results. There is no clock: "now" and every timestamp are `i64` unix seconds
//! passed in by the caller, and trend x values are `f64` in whatever unit the caller
//! chose (unix seconds for the time-to-limit predictions).
//!
//! - [`trend`]: robust (Theil–Sen) line fit with a slope confidence interval; robust
//!   local (weighted, biweight) line or parabola fit with its covariance.
//! - [`predict`]: when a degradation signal leaves its band
//!   ([`predict::forecast_from_daily`], from daily min/mean/max since the component's
//!   latest replacement); time until a fitted trend crosses a limit; usage-based wear.
//! - [`spc`]: control limits and Westgard rules on per-run %≥Q30.
//! - [`rules`]: warning rules over readings and operation-log events.
//! - [`warning`]: the warning lifecycle (active → acknowledged → resolved).
//! - [`settings`]: the production settings of all of the above, in one place.
//!
//! ```
//! use seqhealth_health::predict::{time_to_limit, Limit, PredictConfig};
//! use seqhealth_health::trend::theil_sen;
//!
//! // Daily laser power readings (unix seconds, mW), falling 0.5 mW/day from 100 mW.
//! let t0 = 1_700_000_000.0;
//! let readings: Vec<(f64, f64)> = (0..30)
//!     .map(|d| (t0 + d as f64 * 86_400.0, 100.0 - 0.5 * d as f64))
//!     .collect();
//! let fit = theil_sen(&readings)?;
//! let p = time_to_limit(&fit, Limit::lower(70.0), &PredictConfig::default())
//!     .expect("a falling trend crosses a lower limit");
//! assert_eq!(p.crossing, 1_700_000_000 + 60 * 86_400);
//! assert!(p.replace_by < p.earliest);
//! # Ok::<(), seqhealth_health::trend::TrendError>(())
//! ```

pub mod domain;
pub mod predict;
pub mod rules;
pub mod settings;
pub mod spc;
mod stats;
pub mod trend;
pub mod warning;

pub use domain::{Severity, Subsystem};
