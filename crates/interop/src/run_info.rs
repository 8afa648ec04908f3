//! RunInfo.xml: run identity, read structure, flow-cell layout and image channels.

use std::path::Path;

use serde::Serialize;

use crate::error::InteropError;
use crate::xml::{self, Element};

/// One read as declared in RunInfo.xml; cycles are numbered consecutively over reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadInfo {
    pub number: u32,
    pub cycles: u32,
    pub is_index: bool,
    pub first_cycle: u32,
    pub last_cycle: u32,
}

/// `<FlowcellLayout>`; counts the file does not give are `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowcellLayout {
    pub lanes: u16,
    pub surfaces: Option<u32>,
    pub swaths: Option<u32>,
    pub tiles_per_swath: Option<u32>,
    pub sections_per_lane: Option<u32>,
    pub lanes_per_section: Option<u32>,
    pub tile_naming: Option<String>,
}

impl FlowcellLayout {
    /// Tiles per lane implied by the layout (surfaces × swaths × tiles × sections).
    pub fn tiles_per_lane(&self) -> Option<u64> {
        let n = u64::from(self.surfaces?)
            * u64::from(self.swaths?)
            * u64::from(self.tiles_per_swath?)
            * u64::from(self.sections_per_lane.unwrap_or(1).max(1));
        (n > 0).then_some(n)
    }
}

/// What RunInfo.xml says about the run (identifiers only, no free text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub version: Option<u32>,
    pub run_id: Option<String>,
    pub run_number: Option<u32>,
    pub instrument: Option<String>,
    pub flowcell: Option<String>,
    /// As written (`YYMMDD` on older instruments, `M/D/YYYY h:mm:ss AM` on newer ones).
    pub date: Option<String>,
    /// `date` as ISO `YYYY-MM-DD` when it is in one of the known forms.
    pub date_iso: Option<String>,
    pub reads: Vec<ReadInfo>,
    pub total_cycles: u32,
    pub layout: Option<FlowcellLayout>,
    /// `<ImageChannels>` names in file order; empty for legacy RunInfo files.
    pub channels: Vec<String>,
}

/// Cycle → read lookup entry (index = cycle − 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleInfo {
    /// Index into `RunInfo::reads`.
    pub read_index: usize,
    /// 1-based cycle within the read.
    pub cycle_within_read: u32,
    pub is_last_in_read: bool,
}

impl RunInfo {
    pub fn lane_count(&self) -> Option<u16> {
        self.layout.as_ref().map(|l| l.lanes)
    }

    /// Map from cycle (1-based, index cycle−1) to its read.
    pub fn cycle_map(&self) -> Vec<CycleInfo> {
        let mut out = Vec::new();
        for (read_index, r) in self.reads.iter().enumerate() {
            for c in 1..=r.cycles {
                out.push(CycleInfo {
                    read_index,
                    cycle_within_read: c,
                    is_last_in_read: c == r.cycles,
                });
            }
        }
        out
    }
}

/// Read `<run_folder>/RunInfo.xml`; a missing file is `InteropError::MissingRunInfo`.
pub fn read_run_info(run_folder: &Path) -> Result<RunInfo, InteropError> {
    let path = run_folder.join("RunInfo.xml");
    if !path.is_file() {
        return Err(InteropError::MissingRunInfo {
            folder: run_folder.to_path_buf(),
        });
    }
    let root = xml::read_file(&path)?;
    parse_run_info(&root).map_err(|reason| InteropError::Xml { path, reason })
}

/// Parse RunInfo.xml text.
pub fn parse_run_info_str(text: &str) -> Result<RunInfo, String> {
    parse_run_info(&xml::parse(text)?)
}

/// Interpret a parsed RunInfo.xml document.
pub(crate) fn parse_run_info(root: &Element) -> Result<RunInfo, String> {
    if !root.name.eq_ignore_ascii_case("RunInfo") {
        return Err(format!("root element is <{}>, not <RunInfo>", root.name));
    }
    let run = root.child("Run").ok_or("no <Run> element")?;
    let mut reads = parse_reads(run)?;
    reads.sort_by_key(|r| r.number);
    if reads
        .windows(2)
        .any(|w| w.first().map(|r| r.number) == w.get(1).map(|r| r.number))
    {
        return Err("two reads share a Number".into());
    }
    let mut next = 1u32;
    for r in &mut reads {
        r.first_cycle = next;
        r.last_cycle = next.saturating_add(r.cycles.saturating_sub(1));
        next = next.saturating_add(r.cycles);
    }
    let total_cycles = next.saturating_sub(1);
    // Cycle numbers are u16 in every InterOp record.
    if total_cycles > u32::from(u16::MAX) {
        return Err(format!(
            "{total_cycles} cycles is more than InterOp can address"
        ));
    }
    let date = run.child_value("Date").map(str::to_string);
    Ok(RunInfo {
        version: root.attr("Version").and_then(|v| v.parse().ok()),
        run_id: run.attr("Id").map(str::to_string),
        run_number: run.attr("Number").and_then(|v| v.parse().ok()),
        instrument: run.child_value("Instrument").map(str::to_string),
        flowcell: run.child_value("Flowcell").map(str::to_string),
        date_iso: date.as_deref().and_then(iso_date),
        date,
        reads,
        total_cycles,
        layout: run.child("FlowcellLayout").map(parse_layout).transpose()?,
        channels: run
            .child("ImageChannels")
            .map(|c| {
                c.children_named("Name")
                    .filter_map(Element::value)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn parse_reads(run: &Element) -> Result<Vec<ReadInfo>, String> {
    let Some(reads) = run.child("Reads") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, r) in reads.children_named("Read").enumerate() {
        let number = match r.attr("Number") {
            Some(n) => n.parse().map_err(|_| format!("bad read Number {n:?}"))?,
            None => u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        let cycles = match (
            r.attr("NumCycles"),
            r.attr("FirstCycle"),
            r.attr("LastCycle"),
        ) {
            (Some(n), _, _) => n.parse().map_err(|_| format!("bad NumCycles {n:?}"))?,
            (None, Some(f), Some(l)) => {
                let f: u32 = f.parse().map_err(|_| format!("bad FirstCycle {f:?}"))?;
                let l: u32 = l.parse().map_err(|_| format!("bad LastCycle {l:?}"))?;
                l.saturating_add(1).saturating_sub(f)
            }
            _ => return Err(format!("read {number} has no NumCycles")),
        };
        let is_index = r
            .attr("IsIndexedRead")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "y" | "yes" | "true"));
        out.push(ReadInfo {
            number,
            cycles,
            is_index,
            first_cycle: 0,
            last_cycle: 0,
        });
    }
    Ok(out)
}

fn parse_layout(e: &Element) -> Result<FlowcellLayout, String> {
    let num = |name: &str| -> Result<Option<u32>, String> {
        e.attr(name)
            .map(|v| v.parse().map_err(|_| format!("bad {name} {v:?}")))
            .transpose()
    };
    let lanes = num("LaneCount")?.ok_or("FlowcellLayout has no LaneCount")?;
    Ok(FlowcellLayout {
        lanes: u16::try_from(lanes).map_err(|_| format!("LaneCount {lanes} too large"))?,
        surfaces: num("SurfaceCount")?,
        swaths: num("SwathCount")?,
        tiles_per_swath: num("TileCount")?,
        sections_per_lane: num("SectionPerLane")?,
        lanes_per_section: num("LanePerSection")?,
        tile_naming: e
            .child("TileSet")
            .and_then(|t| t.attr("TileNamingConvention"))
            .map(str::to_string),
    })
}

/// `YYMMDD` (MiSeq/HiSeq/NextSeq) or `M/D/YYYY ...` (NovaSeq) or ISO → `YYYY-MM-DD`.
fn iso_date(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let valid = |y: u32, m: u32, d: u32| (1..=12).contains(&m) && (1..=31).contains(&d) && y > 0;
    if raw.len() == 6 && raw.bytes().all(|b| b.is_ascii_digit()) {
        let y: u32 = raw.get(0..2)?.parse().ok()?;
        let m: u32 = raw.get(2..4)?.parse().ok()?;
        let d: u32 = raw.get(4..6)?.parse().ok()?;
        let y = 2000 + y;
        return valid(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"));
    }
    let date_part = raw.split([' ', 'T']).next()?;
    let parts: Vec<&str> = date_part.split(['/', '-']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (a, b, c): (u32, u32, u32) = (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?);
    let (y, m, d) = if a > 31 { (a, b, c) } else { (c, a, b) };
    valid(y, m, d).then(|| format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISEQ: &str = r#"<?xml version="1.0"?>
<RunInfo Version="2"><Run Id="130417_M00169_0050_000000000-A2D9U" Number="49">
<Flowcell>000000000-A2D9U</Flowcell><Instrument>M00169</Instrument><Date>130417</Date>
<Reads><Read NumCycles="151" Number="3" IsIndexedRead="N" />
<Read NumCycles="151" Number="1" IsIndexedRead="N" /><Read NumCycles="6" Number="2" IsIndexedRead="Y" /></Reads>
<FlowcellLayout LaneCount="1" SurfaceCount="2" SwathCount="1" TileCount="14" /></Run></RunInfo>"#;

    #[test]
    fn parses_miseq_run_info_and_orders_reads() {
        let ri = parse_run_info(&xml::parse(MISEQ).unwrap()).unwrap();
        assert_eq!(
            ri.run_id.as_deref(),
            Some("130417_M00169_0050_000000000-A2D9U")
        );
        assert_eq!(ri.instrument.as_deref(), Some("M00169"));
        assert_eq!(ri.date_iso.as_deref(), Some("2013-04-17"));
        assert_eq!(ri.total_cycles, 308);
        let numbers: Vec<_> = ri
            .reads
            .iter()
            .map(|r| (r.number, r.first_cycle, r.is_index))
            .collect();
        assert_eq!(numbers, [(1, 1, false), (2, 152, true), (3, 158, false)]);
        let layout = ri.layout.as_ref().unwrap();
        assert_eq!((layout.lanes, layout.tiles_per_lane()), (1, Some(28)));
        let map = ri.cycle_map();
        assert_eq!(map.len(), 308);
        assert!(map[150].is_last_in_read && map[151].read_index == 1);
        assert!(ri.channels.is_empty());
    }

    #[test]
    fn dates_and_channels() {
        assert_eq!(
            iso_date("4/10/2019 3:21:37 PM").as_deref(),
            Some("2019-04-10")
        );
        assert_eq!(
            iso_date("2023-01-31T10:00:00Z").as_deref(),
            Some("2023-01-31")
        );
        assert_eq!(iso_date("991340"), None);
        let doc = r#"<RunInfo><Run Id="x"><Reads/><ImageChannels><Name>Red</Name><Name>Green</Name></ImageChannels></Run></RunInfo>"#;
        let ri = parse_run_info(&xml::parse(doc).unwrap()).unwrap();
        assert_eq!(ri.channels, ["Red", "Green"]);
        assert_eq!(ri.total_cycles, 0);
        assert!(ri.layout.is_none());
    }

    #[test]
    fn missing_run_info_is_typed() {
        let dir = std::env::temp_dir().join("seqhealth-interop-no-runinfo");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(matches!(
            read_run_info(&dir),
            Err(InteropError::MissingRunInfo { .. })
        ));
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn bad_run_info_is_an_error() {
        let bad =
            r#"<RunInfo><Run><Reads><Read Number="1" NumCycles="x"/></Reads></Run></RunInfo>"#;
        assert!(parse_run_info(&xml::parse(bad).unwrap()).is_err());
        assert!(parse_run_info(&xml::parse("<Other/>").unwrap()).is_err());
    }
}
