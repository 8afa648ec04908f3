//! The allow-list: a run folder's summary → the [`RunIngest`] that leaves the instrument.
//!
//! [`run_ingest`] builds the wire body field by field from named, allow-listed values of
//! the InterOp summary (identifiers, versions, lots, aggregated figures). Nothing is
//! copied wholesale, so a field the parser learns to read later does not leak by
//! accident: it leaves only once it is named here.
//!
//! Every value is made to pass the server's ingest validation: an identifier is reduced
//! to the characters the server accepts, free text that is too long or not printable is
//! dropped (`None`), and a figure outside its range is dropped. Extraction never fails.
//!
//! Names of kinds (the chemistry, the flow-cell type) are sent only from a known set
//! ([`CHEMISTRIES`], [`FLOW_CELL_TYPES`]): they come from fields people can edit (on a
//! MiSeq `<Chemistry>` is copied from the sample sheet's header), so a value outside the
//! set is sent as the category [`OTHER`], never as written. A known value is sent in the
//! set's spelling (matched ignoring case and surrounding spaces). The application name
//! (`<ApplicationName>`) is never sent; only the instrument family derived from it (a
//! fixed list in the InterOp parser) decides how a MiSeq names its flow cell.

use chrono::{DateTime, NaiveDate, Utc};
use seqhealth_api::{RunConfiguration, RunIngest, RunSummary};
use seqhealth_interop::run_info::RunInfo;
use seqhealth_interop::RunSummary as InteropSummary;

/// Longest run id and free-text value the server stores.
pub const MAX_TEXT: usize = 128;
/// Longest read structure the server accepts.
pub const MAX_READ_STRUCTURE: usize = 64;

/// What a chemistry or flow-cell type outside the known set is sent as.
pub const OTHER: &str = "other";

/// Flow-cell types as instruments name them (`<FlowCellMode>`, `<FlowCellType>`,
/// `<Flowcell>`, RFID `<Mode>`), and MiSeq reagent-kit versions, which name a MiSeq's
/// flow cell. The server groups runs by this value: add a new type here, or its runs are
/// grouped as [`OTHER`].
pub const FLOW_CELL_TYPES: &[&str] = &[
    // MiSeq: the reagent kit's version.
    "Version1",
    "Version2",
    "Version3",
    // HiSeq 2000/2500/3000/4000/X.
    "HiSeq Flow Cell v3",
    "HiSeq Flow Cell v4",
    "HiSeq Rapid Flow Cell v1",
    "HiSeq Rapid Flow Cell v2",
    "HiSeq 3000/4000 Flow Cell",
    "HiSeq X Flow Cell v2",
    "HiSeq X Flow Cell v2.5",
    // NextSeq 500/550, MiniSeq.
    "High Output",
    "Mid Output",
    "NextSeq High",
    "NextSeq Mid",
    // NextSeq 1000/2000.
    "P1",
    "P2",
    "P3",
    "P4",
    // NovaSeq 6000.
    "SP",
    "S1",
    "S2",
    "S4",
    // NovaSeq X.
    "1.5B",
    "10B",
    "25B",
];

/// Chemistries and reagent-kit names as instruments name them (`<Chemistry>`, and when a
/// run names none, the kit's `<ReagentKitVersion>`, `<ReagentKitType>`, `<Sbs>`, RFID
/// `<Version>`).
pub const CHEMISTRIES: &[&str] = &[
    // MiSeq (from the sample sheet's header).
    "Default",
    "Amplicon",
    // HiSeq.
    "TruSeq SBS Kit v3",
    "TruSeq Rapid SBS Kit",
    "HiSeq SBS Kit v4",
    "HiSeq Rapid SBS Kit v2",
    "HiSeq X SBS Kit v2",
    "HiSeq 3000/4000 SBS Kit",
    // NextSeq 500/550, MiniSeq.
    "NextSeq High",
    "NextSeq Mid",
    "MiniSeq High",
    "MiniSeq Mid",
    // NextSeq 1000/2000.
    "XLEAP-SBS",
    // NovaSeq 6000.
    "NovaSeq v1.0",
    "NovaSeq v1.5",
];

/// The body `seqhealth-agent` would POST for this run. `started_at` falls back to the
/// current time only when neither RunInfo's date nor the run id carries a date.
pub fn run_ingest(summary: &InteropSummary) -> RunIngest {
    run_ingest_at(summary, Utc::now())
}

/// As [`run_ingest`], with the fallback start time given (deterministic for tests).
pub fn run_ingest_at(summary: &InteropSummary, fallback_start: DateTime<Utc>) -> RunIngest {
    let info = &summary.run_info;
    let params = summary.run_parameters.as_ref();
    let flowcell = params.and_then(|p| p.flowcell.as_ref());
    let reagent_kit = params.and_then(|p| p.reagent_kit.as_ref());
    let ni = &summary.nonindex;
    RunIngest {
        run_id: run_id(info),
        started_at: started_at(info).unwrap_or(fallback_start),
        // Neither RunInfo.xml nor RunParameters.xml says when a run finished.
        completed_at: None,
        read_structure: read_structure(info),
        configuration: RunConfiguration {
            control_software_version: text(params.and_then(|p| p.application_version.as_deref())),
            rta_version: text(params.and_then(|p| p.rta_version.as_deref())),
            flow_cell_id: text(info.flowcell.as_deref())
                .or_else(|| text(flowcell.and_then(|f| f.serial_number.as_deref()))),
            flow_cell_lot: text(flowcell.and_then(|f| f.lot_number.as_deref())),
            reagent_kit_lot: text(reagent_kit.and_then(|k| k.lot_number.as_deref())),
            // Without a `<Chemistry>`, the kit's name (a MiSeq's kit version included).
            chemistry: known(params.and_then(|p| p.chemistry.as_deref()), &[CHEMISTRIES]).or_else(
                || {
                    known(
                        reagent_kit.and_then(|k| k.kind.as_deref()),
                        &[CHEMISTRIES, FLOW_CELL_TYPES],
                    )
                },
            ),
            // MiSeq names no flow-cell type; its kit version ("Version3") decides the flow cell.
            flow_cell_type: known(flowcell.and_then(|f| f.kind.as_deref()), &[FLOW_CELL_TYPES])
                .or_else(|| {
                    let miseq = params.and_then(|p| p.instrument_type.as_deref()) == Some("MiSeq");
                    miseq
                        .then(|| {
                            known(
                                reagent_kit.and_then(|k| k.kind.as_deref()),
                                &[FLOW_CELL_TYPES],
                            )
                        })
                        .flatten()
                }),
        },
        summary: RunSummary {
            yield_gb: range(ni.yield_g, 0.0, 100_000.0),
            pct_q30: range(ni.percent_q30, 0.0, 100.0),
            pct_pf: range(ni.percent_pf, 0.0, 100.0),
            cluster_density_k_mm2: range(density_k_mm2(summary), 0.0, 100_000.0),
            error_rate: range(ni.error_rate, 0.0, 100.0),
        },
    }
}

/// Cluster density in K/mm²: the mean over lanes of read 1's per-lane mean density
/// (tile figures repeat for every read, so one read is enough).
pub fn density_k_mm2(summary: &InteropSummary) -> Option<f64> {
    let first_read = summary.lanes.first()?.read;
    let lanes: Vec<f64> = summary
        .lanes
        .iter()
        .filter(|l| l.read == first_read)
        .filter_map(|l| l.density_per_mm2.map(|s| s.mean))
        .filter(|d| d.is_finite())
        .collect();
    if lanes.is_empty() {
        return None;
    }
    Some(lanes.iter().sum::<f64>() / lanes.len() as f64 / 1000.0)
}

/// RunInfo's run id, reduced to what the server accepts as an id; when RunInfo has none
/// (or nothing of it survives), a stable id derived from the run's identity.
pub fn run_id(info: &RunInfo) -> String {
    if let Some(id) = info.run_id.as_deref().and_then(sanitize_id) {
        return id;
    }
    let parts = [
        info.date_iso.as_deref().unwrap_or(""),
        info.instrument.as_deref().unwrap_or(""),
        &info.run_number.map(|n| n.to_string()).unwrap_or_default(),
        info.flowcell.as_deref().unwrap_or(""),
    ];
    let present: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    sanitize_id(&present.join("_")).unwrap_or_else(|| "unknown-run".to_string())
}

/// Keep the characters the server allows in ids (A–Z a–z 0–9 - _ . : +); any other
/// character becomes `_`. At most [`MAX_TEXT`] characters; `None` if nothing is left.
pub fn sanitize_id(raw: &str) -> Option<String> {
    let id: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.:+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(MAX_TEXT)
        .collect();
    id.chars().any(|c| c.is_ascii_alphanumeric()).then_some(id)
}

/// Start of the run: RunInfo's date with its time when it carries one with a zone
/// (RFC 3339), else midnight UTC of the date; else the `YYMMDD` prefix of the run id.
pub fn started_at(info: &RunInfo) -> Option<DateTime<Utc>> {
    if let Some(t) = info
        .date
        .as_deref()
        .and_then(|d| DateTime::parse_from_rfc3339(d.trim()).ok())
    {
        return Some(t.with_timezone(&Utc));
    }
    let from_date = info
        .date_iso
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let from_run_id = || {
        let id = info.run_id.as_deref()?;
        let prefix = id.get(0..6)?;
        let boundary = id
            .get(6..7)
            .is_none_or(|s| !s.bytes().all(|b| b.is_ascii_digit()));
        (prefix.bytes().all(|b| b.is_ascii_digit()) && boundary)
            .then(|| NaiveDate::parse_from_str(&format!("20{prefix}"), "%Y%m%d").ok())
            .flatten()
    };
    from_date
        .or_else(from_run_id)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Cycles per read in read order, index reads included: "151-6-151". A run without
/// reads is "0"; a structure longer than the server takes is sent as the total cycles.
pub fn read_structure(info: &RunInfo) -> String {
    if info.reads.is_empty() {
        return "0".to_string();
    }
    let s = info
        .reads
        .iter()
        .map(|r| r.cycles.to_string())
        .collect::<Vec<_>>()
        .join("-");
    if s.len() <= MAX_READ_STRUCTURE {
        s
    } else {
        info.total_cycles.to_string()
    }
}

/// Allow-listed short text (versions, lots, ids): trimmed, 1–[`MAX_TEXT`] bytes of
/// printable ASCII, else `None`. Lots and versions are ASCII; anything else is dropped
/// rather than guessed at.
pub fn text(raw: Option<&str>) -> Option<String> {
    let t = raw?.trim();
    let ok = !t.is_empty() && t.len() <= MAX_TEXT && t.bytes().all(|b| (0x20..0x7f).contains(&b));
    ok.then(|| t.to_string())
}

/// A name from a known set: `None` when there is none (absent or blank); the set's
/// spelling when it is in one of `sets` (ignoring case and surrounding spaces); else
/// [`OTHER`]. Whatever was written there never leaves as written.
pub fn known(raw: Option<&str>, sets: &[&[&'static str]]) -> Option<String> {
    let t = raw?.trim();
    if t.is_empty() {
        return None;
    }
    let name = sets
        .iter()
        .flat_map(|set| set.iter())
        .find(|k| k.eq_ignore_ascii_case(t))
        .copied()
        .unwrap_or(OTHER);
    Some(name.to_string())
}

/// A finite figure within `[lo, hi]`, else `None`.
pub fn range(v: Option<f64>, lo: f64, hi: f64) -> Option<f64> {
    v.filter(|x| x.is_finite() && (lo..=hi).contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use seqhealth_interop::run_info::{parse_run_info_str, ReadInfo};

    fn info(xml: &str) -> RunInfo {
        parse_run_info_str(xml).unwrap()
    }

    #[test]
    fn ids_are_reduced_to_server_characters() {
        assert_eq!(
            sanitize_id("140213_D00251_0076_BH8FW8ADXX").as_deref(),
            Some("140213_D00251_0076_BH8FW8ADXX")
        );
        assert_eq!(sanitize_id(" a b/c\n").as_deref(), Some("a_b_c"));
        assert_eq!(sanitize_id("ÄÖ").as_deref(), None);
        assert_eq!(sanitize_id(&"x".repeat(300)).map(|s| s.len()), Some(128));
        assert_eq!(sanitize_id("--"), None);
    }

    #[test]
    fn run_id_falls_back_to_identity_then_placeholder() {
        let ri = info(
            r#"<RunInfo><Run Number="7"><Instrument>M0 1</Instrument><Date>130417</Date><Reads/></Run></RunInfo>"#,
        );
        assert_eq!(run_id(&ri), "2013-04-17_M0_1_7");
        let bare = info(r#"<RunInfo><Run><Reads/></Run></RunInfo>"#);
        assert_eq!(run_id(&bare), "unknown-run");
    }

    #[test]
    fn dates() {
        let at = |xml: &str| started_at(&info(xml)).map(|t| t.to_rfc3339());
        assert_eq!(
            at(r#"<RunInfo><Run><Date>130417</Date></Run></RunInfo>"#).as_deref(),
            Some("2013-04-17T00:00:00+00:00")
        );
        assert_eq!(
            at(r#"<RunInfo><Run><Date>4/10/2019 3:21:37 PM</Date></Run></RunInfo>"#).as_deref(),
            Some("2019-04-10T00:00:00+00:00")
        );
        assert_eq!(
            at(r#"<RunInfo><Run><Date>2023-01-31T10:00:00+02:00</Date></Run></RunInfo>"#)
                .as_deref(),
            Some("2023-01-31T08:00:00+00:00")
        );
        assert_eq!(
            at(r#"<RunInfo><Run Id="240312_M1_0042_A"><Date>garbage</Date></Run></RunInfo>"#)
                .as_deref(),
            Some("2024-03-12T00:00:00+00:00")
        );
        assert_eq!(
            at(r#"<RunInfo><Run Id="2403129_M1"></Run></RunInfo>"#),
            None
        );
        assert_eq!(at(r#"<RunInfo><Run Id="241399_M1"></Run></RunInfo>"#), None);
    }

    #[test]
    fn read_structure_in_read_order() {
        let ri = info(
            r#"<RunInfo><Run><Reads><Read Number="3" NumCycles="151" IsIndexedRead="N"/>
            <Read Number="1" NumCycles="151" IsIndexedRead="N"/><Read Number="2" NumCycles="6" IsIndexedRead="Y"/>
            </Reads></Run></RunInfo>"#,
        );
        assert_eq!(read_structure(&ri), "151-6-151");
        let mut many = ri.clone();
        many.reads = (1..=40)
            .map(|n| ReadInfo {
                number: n,
                cycles: 100,
                is_index: false,
                first_cycle: 0,
                last_cycle: 0,
            })
            .collect();
        many.total_cycles = 4000;
        assert_eq!(read_structure(&many), "4000");
        many.reads.clear();
        assert_eq!(read_structure(&many), "0");
    }

    #[test]
    fn text_and_ranges() {
        assert_eq!(text(Some(" 2.0.5 ")).as_deref(), Some("2.0.5"));
        assert_eq!(text(Some("a\tb")), None);
        assert_eq!(text(Some("")), None);
        assert_eq!(text(Some("é")), None);
        assert_eq!(text(Some(&"v".repeat(129))), None);
        assert_eq!(range(Some(100.0), 0.0, 100.0), Some(100.0));
        assert_eq!(range(Some(100.5), 0.0, 100.0), None);
        assert_eq!(range(Some(f64::NAN), 0.0, 100.0), None);
        assert_eq!(range(None, 0.0, 100.0), None);
    }

    #[test]
    fn kinds_only_from_the_known_sets() {
        let f = |v: &str| known(Some(v), &[FLOW_CELL_TYPES]);
        assert_eq!(f("S4").as_deref(), Some("S4"));
        assert_eq!(f(" version2 ").as_deref(), Some("Version2"));
        assert_eq!(
            f("HiSeq Rapid Flow Cell v1").as_deref(),
            Some("HiSeq Rapid Flow Cell v1")
        );
        assert_eq!(f("PATIENT-JANE-DOE-1984").as_deref(), Some(OTHER));
        assert_eq!(f("S4 PATIENT").as_deref(), Some(OTHER));
        assert_eq!(f("  "), None);
        assert_eq!(known(None, &[FLOW_CELL_TYPES]), None);
        let c = |v: &str| known(Some(v), &[CHEMISTRIES]);
        assert_eq!(c("Amplicon").as_deref(), Some("Amplicon"));
        assert_eq!(c("Version2").as_deref(), Some(OTHER));
        assert_eq!(
            known(Some("Version2"), &[CHEMISTRIES, FLOW_CELL_TYPES]).as_deref(),
            Some("Version2")
        );
        // Every value the known sets hold passes the server's text check unchanged.
        for k in FLOW_CELL_TYPES.iter().chain(CHEMISTRIES) {
            assert_eq!(text(Some(k)).as_deref(), Some(*k));
        }
    }

    /// What the simulator sends is in the known sets, so its runs group as before.
    #[test]
    fn the_simulated_fleet_sends_known_kinds() {
        use crate::fleet::DEMO_FLEET;
        use crate::simulate::{runs, SimConfig};
        let cfg = SimConfig {
            days: 60,
            ..SimConfig::demo(7, "2026-01-01T00:00:00Z".parse().unwrap())
        };
        for inst in &DEMO_FLEET {
            for r in runs(inst, &cfg) {
                let c = &r.configuration;
                let ft = c.flow_cell_type.as_deref().unwrap();
                assert!(FLOW_CELL_TYPES.contains(&ft), "{}: {ft}", inst.serial);
                let ch = c.chemistry.as_deref().unwrap();
                assert!(CHEMISTRIES.contains(&ch), "{}: {ch}", inst.serial);
            }
        }
    }
}
