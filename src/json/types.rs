//! The API's answers: one field list per type (`objects!`), one name list per enum of
//! unit variants (`names!`), and the few enums with data read by hand. A field added to a
//! type of `seqhealth_api` does not compile until it is listed here.

use super::{variant, Error, Fields, FromJson, Json};

use seqhealth_api::{domain, enrollment, notify, people, replacements as rep, Handling};

impl FromJson for Handling {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Obj(_) => Ok(Handling::Booked(Fields::of(v)?.take("booked")?)),
            v => Ok(
                [Handling::Open, Handling::Acknowledged][variant(v, &["open", "acknowledged"])?]
            ),
        }
    }
}

/// A sentence as data. One with a figure this build cannot read is kept without its code,
/// so the English beside it is shown rather than the whole answer refused.
impl FromJson for seqhealth_api::Said {
    fn from_json(v: Json) -> Result<Self, Error> {
        let mut f = Fields::of(v)?;
        let code: String = f.take("code")?;
        Ok(match f.take::<Vec<seqhealth_api::Figure>>("figures") {
            Ok(figures) => seqhealth_api::Said { code, figures },
            Err(_) => seqhealth_api::Said::new("", Vec::new()),
        })
    }
}

impl FromJson for seqhealth_api::Figure {
    fn from_json(v: Json) -> Result<Self, Error> {
        use seqhealth_api::Figure as F;
        let Json::Obj(mut entries) = v else {
            return super::fail("expected a figure");
        };
        let Some((kind, v)) = entries.pop() else {
            return super::fail("expected a figure");
        };
        Ok(match kind.as_str() {
            "n" => F::N(f64::from_json(v)?),
            "g" => F::G(f64::from_json(v)?),
            "f" => {
                let (x, dp) = <(f64, u32)>::from_json(v)?;
                F::F(x, dp)
            }
            "sf" => {
                let (x, dp) = <(f64, u32)>::from_json(v)?;
                F::Sf(x, dp)
            }
            "secs" => F::Secs(f64::from_json(v)?),
            "day" => F::Day(FromJson::from_json(v)?),
            "word" => F::Word(String::from_json(v)?),
            "lower" => F::Lower(String::from_json(v)?),
            "text" => F::Text(String::from_json(v)?),
            "said" => F::said(FromJson::from_json(v)?),
            _ => return super::fail("an unknown figure"),
        })
    }
}

/// A control rule that fired; its `code` is empty from an older server.
impl FromJson for seqhealth_api::Q30Signal {
    fn from_json(v: Json) -> Result<Self, Error> {
        let mut f = Fields::of(v)?;
        Ok(seqhealth_api::Q30Signal {
            rule: f.take("rule")?,
            code: f.take::<Option<String>>("code")?.unwrap_or_default(),
            side: f.take("side")?,
            severity: f.take("severity")?,
        })
    }
}

impl FromJson for seqhealth_api::RunControl {
    fn from_json(v: Json) -> Result<Self, Error> {
        use seqhealth_api::RunControl;
        match v {
            Json::Obj(_) => Ok(RunControl::Flagged(Fields::of(v)?.take("flagged")?)),
            v => Ok(match variant(v, &["no_limits", "in_control"])? {
                0 => RunControl::NoLimits,
                _ => RunControl::InControl,
            }),
        }
    }
}

names! {
    domain::Role { "manager" => Manager, "viewer" => Viewer }
    seqhealth_api::Language { "en" => En, "it" => It, "es" => Es }
    domain::Health { "unknown" => Unknown, "ok" => Ok, "warning" => Warning, "critical" => Critical }
    domain::Subsystem {
        "optical" => Optical, "mechanical" => Mechanical, "thermal" => Thermal,
        "fluidics" => Fluidics,
    }
    domain::LimitOn { "level" => Level, "peaks" => Peaks }
    enrollment::Connection {
        "awaiting_enrollment" => AwaitingEnrollment, "enrolled" => Enrolled,
        "revoked" => Revoked,
    }
    seqhealth_api::Severity { "info" => Info, "warning" => Warning, "critical" => Critical }
    seqhealth_api::WarningStatus {
        "active" => Active, "acknowledged" => Acknowledged, "resolved" => Resolved,
    }
    rep::ReplacementStatus {
        "recommended" => Recommended, "scheduled" => Scheduled, "completed" => Completed,
        "cancelled" => Cancelled,
    }
    rep::ReplacementSource { "prediction" => Prediction, "warning" => Warning }
    rep::Slot { "am" => Am, "pm" => Pm }
    seqhealth_api::TodayKind {
        "critical" => Critical, "warning" => Warning, "replacement_due" => ReplacementDue,
        "planned_run_at_risk" => PlannedRunAtRisk, "silent" => Silent,
    }
    notify::NotifyKind {
        "critical_warning" => CriticalWarning, "warning" => Warning,
        "recommendation" => Recommendation, "replacement_due" => ReplacementDue,
        "silent" => Silent, "run_flagged" => RunFlagged,
    }
    notify::NotifyMode { "immediately" => Immediately, "digest" => Digest, "never" => Never }
    notify::DeliveryStatus {
        "pending" => Pending, "retrying" => Retrying, "sent" => Sent, "failed" => Failed,
    }
}

objects! {
    seqhealth_api::ApiError { error, detail, said }
    seqhealth_api::UserInfo { email, name, role, language }
    seqhealth_api::LabInfo { name, time_zone }
    seqhealth_api::SessionInfo { user, lab }
    people::Member { id, name, email, role, last_login, deactivated_at }
    people::Invited { id, email, role, invited_by, expires_at }
    people::Team { users, invited }
    people::InvitationLink { token, email, expires_at }
    people::SetupStatus { set_up }
    people::ResetInfo { lab, email, expires_at }
    people::Invitation { lab, email, role, expires_at }
    seqhealth_api::SubsystemHealth { optical, mechanical, thermal, fluidics }
    seqhealth_api::SubsystemFreshness { optical, mechanical, thermal, fluidics, from_run }
    seqhealth_api::FleetInstrument {
        id, serial, model, nickname, site, health, freshness, last_run_pct_q30, last_run_at,
        last_report_at, connection, handling, causes, last_run_control, next_appointment,
        next_planned_run,
    }
    seqhealth_api::Fleet { lab, instruments }
    seqhealth_api::TodayItem {
        kind, instrument_id, instrument_nickname, instrument_serial, title, title_said,
        handling, at, warning_id, replacement_id,
    }
    seqhealth_api::Today { items, unhandled }
    seqhealth_api::InstrumentDetail {
        id, serial, model, nickname, site, control_software_version, rta_version,
        data_sharing, health, freshness, last_report_at, lab, connection, enrolled_at,
        token_revoked_at, data_sharing_since, last_contact_at, sensors, silenced_until,
        silence_reason,
    }
    seqhealth_api::RunRow {
        run_id, started_at, completed_at, read_structure, yield_gb, pct_q30, pct_pf,
        cluster_density_k_mm2, error_rate, reagent_kit_lot, flow_cell_lot, flow_cell_type,
        control_software_version, q30_signals,
    }
    seqhealth_api::Q30Control {
        read_structure, flow_cell_type, baseline_runs, center, lower, upper, floor,
    }
    seqhealth_api::RunList { from, to, runs, control, truncated }
    seqhealth_api::SensorInfo { name, label, unit, subsystem, warn, critical }
    seqhealth_api::TelemetryPoint { at, mean, min, max, n }
    seqhealth_api::TelemetrySeries { sensor, from, to, bucket_seconds, points }
    seqhealth_api::FitPoint { at, value }
    seqhealth_api::RunForecast { runs_to_crossing, runs_per_week, change_per_run, runs_used }
    seqhealth_api::Prediction {
        component, subsystem, sensor, sensor_label, unit, limit, slope_per_day, fitted,
        predicted_at, earliest, latest, replace_by, fit_from, fit_from_value, fit,
        basis_days, in_runs,
    }
    seqhealth_api::PredictionList { evaluated_at, predictions }
    seqhealth_api::WarningRow {
        id, instrument_id, instrument_nickname, instrument_serial, subsystem, rule, severity,
        status, raised_at, latest_at, value, message, said, acknowledged_by, acknowledged_at,
        acknowledge_reason, resolved_at, muted_until, worse_at,
    }
    seqhealth_api::WarningList { warnings, truncated }
    rep::ReplaceByMove { on, from, why, why_said }
    rep::Appointment {
        date, slot, starts_at, ends_at, scheduled_by, engineer, case_number,
    }
    rep::ReplacementRow {
        id, instrument_id, instrument_nickname, instrument_serial, instrument_site,
        subsystem, component, sensor, sensor_label, status, source, reason, reason_said,
        warning_id,
        predicted_at, replace_by, moved, appointment, cancel_reason, completed_at,
        completed_by, created_at, updated_at,
    }
    rep::ReplacementList { replacements, truncated }
    rep::PlannedRun { id, instrument_id, instrument_nickname, starts_on, ends_on, label }
    rep::PlannedRunList { planned_runs }
    rep::AuditEntry {
        id, at, actor, action, instrument_id, instrument_nickname, replacement_id,
        warning_id, detail, said,
    }
    rep::AuditList { entries, truncated }
    rep::CalendarInfo { has_feed, created_at }
    rep::CalendarFeed { path, created_at }
    enrollment::EnrollmentCode { instrument_id, code, expires_at, instrument, server_url }
    notify::NotifyPrefs { modes, quiet_from, quiet_to, quiet_escalations }
    notify::NotifySettings { digest_at, escalate_after_minutes, remind_every_hours }
    notify::Webhook { id, name, url, enabled, created_at }
    notify::WebhookCreated { webhook, secret }
    notify::Delivery {
        id, channel, target, subject, status, attempts, last_error, created_at, sent_at,
        next_at,
    }
    notify::DeliveryLog { deliveries }
}
