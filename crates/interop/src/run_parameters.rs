//! RunParameters.xml / runParameters.xml, reduced to an allow-list of instrument,
//! software and consumable fields.
//!
//! Privacy rule: only the elements named in this file are read. Free text and anything
//! that can identify people, samples or file systems (ExperimentName, Username, LibraryID,
//! SampleSheet*, *Folder, ComputerName, BaseSpace/cloud ids) is never copied out.

use std::path::Path;

use serde::Serialize;

use crate::error::InteropError;
use crate::xml::{self, Element};

/// Serial/part/lot of one consumable (flow cell, reagent kit, buffer bottle).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Consumable {
    pub serial_number: Option<String>,
    pub part_number: Option<String>,
    pub lot_number: Option<String>,
    pub expiration_date: Option<String>,
    /// Kit/flow-cell kind as the instrument names it ("Version2", "S4", "HiSeq Rapid Flow Cell v1").
    pub kind: Option<String>,
}

impl Consumable {
    fn is_empty(&self) -> bool {
        *self == Consumable::default()
    }
}

/// Allow-listed content of RunParameters.xml.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunParameters {
    /// File the values came from (`RunParameters.xml` or `runParameters.xml`).
    pub file_name: String,
    /// Instrument family as the official library derives it from the application name
    /// (HiSeq, HiScan, MiSeq, NextSeq, MiniSeq, NovaSeq, iSeq).
    pub instrument_type: Option<String>,
    /// `<InstrumentType>` where the instrument writes one (newer platforms).
    pub instrument_model: Option<String>,
    pub application_name: Option<String>,
    /// Control-software version (ApplicationVersion, MCSVersion, ...).
    pub application_version: Option<String>,
    pub rta_version: Option<String>,
    pub system_suite_version: Option<String>,
    pub fpga_version: Option<String>,
    pub chemistry: Option<String>,
    pub chemistry_version: Option<String>,
    pub run_mode: Option<String>,
    pub parameters_version: Option<String>,
    pub flowcell: Option<Consumable>,
    pub reagent_kit: Option<Consumable>,
    pub buffer: Option<Consumable>,
}

/// Instrument names in the order the official library tries them: "iSeq" must come last
/// because it is a substring of "HiSeq" and "MiniSeq".
const INSTRUMENTS: [&str; 7] = [
    "HiSeq", "HiScan", "MiSeq", "NextSeq", "MiniSeq", "NovaSeq", "iSeq",
];

/// Read RunParameters.xml (either capitalisation); `Ok(None)` when the folder has none.
pub fn read_run_parameters(run_folder: &Path) -> Result<Option<RunParameters>, InteropError> {
    for name in ["RunParameters.xml", "runParameters.xml"] {
        let path = run_folder.join(name);
        if path.is_file() {
            let root = xml::read_file(&path)?;
            let mut params =
                parse_run_parameters(&root).map_err(|reason| InteropError::Xml { path, reason })?;
            params.file_name = name.to_string();
            return Ok(Some(params));
        }
    }
    Ok(None)
}

/// Interpret a parsed RunParameters.xml document.
pub fn parse_run_parameters(root: &Element) -> Result<RunParameters, String> {
    if !root.name.eq_ignore_ascii_case("RunParameters") {
        return Err(format!(
            "root element is <{}>, not <RunParameters>",
            root.name
        ));
    }
    let setup = root.child("Setup");
    // Simple fields live either directly under the root or under <Setup>.
    let top = |names: &[&str]| -> Option<String> {
        names.iter().find_map(|n| {
            root.child_value(n)
                .or_else(|| setup.and_then(|s| s.child_value(n)))
                .map(str::to_string)
        })
    };
    // Uniquely named fields may sit anywhere (e.g. NovaSeq <RfidsInfo>).
    let deep = |names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| root.find(n).and_then(Element::value).map(str::to_string))
    };

    let application_name = top(&["ApplicationName", "Application"]);
    let multi_surface = top(&["SupportMultipleSurfacesInUI"]);
    let instrument_type = instrument_type(application_name.as_deref(), multi_surface.as_deref());

    let mut flowcell = rfid(root, &["FlowcellRFIDTag", "FlowCellRfidTag"]);
    fill(&mut flowcell.serial_number, || {
        deep(&[
            "FlowCellSerial",
            "FlowCellSerialBarcode",
            "FlowCellSerialNumber",
        ])
        .or_else(|| top(&["Barcode"]))
    });
    fill(&mut flowcell.part_number, || deep(&["FlowCellPartNumber"]));
    fill(&mut flowcell.lot_number, || deep(&["FlowCellLotNumber"]));
    fill(&mut flowcell.expiration_date, || {
        deep(&["FlowCellExpirationdate", "FlowCellExpirationDate"])
    });
    fill(&mut flowcell.kind, || {
        deep(&["FlowCellMode", "FlowCellType"]).or_else(|| top(&["Flowcell"]))
    });

    let mut reagent = rfid(root, &["ReagentKitRFIDTag", "ReagentKitRfidTag"]);
    fill(&mut reagent.serial_number, || {
        deep(&["ReagentKitSerial", "ReagentKitBarcode", "SbsSerialBarcode"]).or_else(|| {
            // HiSeq: <ReagentKits><Sbs><SbsReagentKit><ID>
            root.find("SbsReagentKit")
                .and_then(|k| k.child_value("ID"))
                .map(str::to_string)
        })
    });
    fill(&mut reagent.part_number, || deep(&["SbsPartNumber"]));
    fill(&mut reagent.lot_number, || deep(&["SbsLotNumber"]));
    fill(&mut reagent.expiration_date, || {
        deep(&["SbsExpirationdate", "SbsExpirationDate"])
    });
    fill(&mut reagent.kind, || {
        deep(&[
            "ReagentKitVersion",
            "SbsConsumableVersion",
            "ReagentKitType",
        ])
        .or_else(|| top(&["Sbs"]))
    });

    let mut buffer = rfid(root, &["PR2BottleRFIDTag", "PR2BottleRfidTag"]);
    fill(&mut buffer.serial_number, || {
        deep(&["PR2BottleSerial", "PR2BottleBarcode", "BufferSerialBarcode"])
    });
    fill(&mut buffer.part_number, || deep(&["BufferPartNumber"]));
    fill(&mut buffer.lot_number, || deep(&["BufferLotNumber"]));
    fill(&mut buffer.expiration_date, || {
        deep(&["BufferExpirationdate", "BufferExpirationDate"])
    });

    // NextSeq 1000/2000 style: <ConsumableInfo><Type>FlowCell</Type><SerialNumber>...
    for info in root.descendants() {
        let (Some(kind), true) = (
            info.child_value("Type"),
            info.child("SerialNumber").is_some(),
        ) else {
            continue;
        };
        let target = match kind.to_ascii_lowercase() {
            k if k.contains("flow") => &mut flowcell,
            k if k.contains("reagent") => &mut reagent,
            k if k.contains("buffer") => &mut buffer,
            _ => continue,
        };
        merge(target, &consumable(info));
    }

    Ok(RunParameters {
        file_name: String::new(),
        instrument_type,
        instrument_model: deep(&["InstrumentType"]),
        application_name,
        application_version: top(&["ApplicationVersion", "MCSVersion", "ControlSoftwareVersion"]),
        rta_version: deep(&["RTAVersion", "RtaVersion"]),
        system_suite_version: deep(&["SystemSuiteVersion"]),
        fpga_version: top(&["FPGAVersion"]),
        chemistry: top(&["Chemistry"]),
        chemistry_version: top(&["ChemistryVersion"]),
        run_mode: top(&["RunMode"]),
        parameters_version: top(&["RunParametersVersion", "Version"]),
        flowcell: (!flowcell.is_empty()).then_some(flowcell),
        reagent_kit: (!reagent.is_empty()).then_some(reagent),
        buffer: (!buffer.is_empty()).then_some(buffer),
    })
}

/// Instrument family from the application name (first match in INSTRUMENTS order).
fn instrument_type(application_name: Option<&str>, multi_surface: Option<&str>) -> Option<String> {
    let app = application_name?.to_ascii_lowercase();
    let found = INSTRUMENTS
        .iter()
        .find(|i| app.contains(&i.to_ascii_lowercase()))?;
    // As in the official library: a single-surface "HiSeq" application is a HiScan.
    let single_surface = multi_surface
        .is_some_and(|m| matches!(m.to_ascii_lowercase().as_str(), "0" | "false" | "f"));
    Some(
        if *found == "HiSeq" && single_surface {
            "HiScan"
        } else {
            found
        }
        .to_string(),
    )
}

/// First RFID tag container with one of these names, anywhere in the document.
fn rfid(root: &Element, containers: &[&str]) -> Consumable {
    containers
        .iter()
        .find_map(|c| root.find(c))
        .map(consumable)
        .unwrap_or_default()
}

fn consumable(e: &Element) -> Consumable {
    let v = |n: &str| e.child_value(n).map(str::to_string);
    Consumable {
        serial_number: v("SerialNumber"),
        part_number: v("PartNumber"),
        lot_number: v("LotNumber"),
        expiration_date: v("ExpirationDate"),
        kind: v("Mode").or_else(|| v("Version")),
    }
}

fn fill(slot: &mut Option<String>, f: impl FnOnce() -> Option<String>) {
    if slot.is_none() {
        *slot = f();
    }
}

fn merge(into: &mut Consumable, from: &Consumable) {
    fill(&mut into.serial_number, || from.serial_number.clone());
    fill(&mut into.part_number, || from.part_number.clone());
    fill(&mut into.lot_number, || from.lot_number.clone());
    fill(&mut into.expiration_date, || from.expiration_date.clone());
    fill(&mut into.kind, || from.kind.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISEQ: &str = r#"<?xml version="1.0"?><RunParameters>
  <FlowcellRFIDTag><SerialNumber>000000000-A2D9U</SerialNumber><PartNumber>15028382</PartNumber>
    <ExpirationDate>2013-09-06T00:00:00</ExpirationDate></FlowcellRFIDTag>
  <ReagentKitRFIDTag><SerialNumber>MS2014027-300V2</SerialNumber><PartNumber>15033572</PartNumber></ReagentKitRFIDTag>
  <Setup><ApplicationVersion>2.0.5</ApplicationVersion><ApplicationName>MiSeq Control Software</ApplicationName></Setup>
  <MCSVersion>2.0.5</MCSVersion><RTAVersion>1.16.18</RTAVersion><ReagentKitVersion>Version2</ReagentKitVersion>
  <ExperimentName>RU1532:::/locus/data/run_data//1337/1532</ExperimentName><Chemistry>Default</Chemistry>
  <Username>sbsuser</Username><RecipeFolder>D:\Illumina\Recipe</RecipeFolder>
  <OutputFolder>\\SEQNAS\sequencing\output</OutputFolder><SampleSheetName>secret-sheet</SampleSheetName>
</RunParameters>"#;

    #[test]
    fn miseq_allow_list() {
        let p = parse_run_parameters(&xml::parse(MISEQ).unwrap()).unwrap();
        assert_eq!(p.instrument_type.as_deref(), Some("MiSeq"));
        assert_eq!(p.application_version.as_deref(), Some("2.0.5"));
        assert_eq!(p.rta_version.as_deref(), Some("1.16.18"));
        assert_eq!(p.chemistry.as_deref(), Some("Default"));
        let fc = p.flowcell.as_ref().unwrap();
        assert_eq!(fc.serial_number.as_deref(), Some("000000000-A2D9U"));
        assert_eq!(fc.part_number.as_deref(), Some("15028382"));
        let kit = p.reagent_kit.as_ref().unwrap();
        assert_eq!(kit.kind.as_deref(), Some("Version2"));
        let json = format!("{p:?}");
        for secret in [
            "RU1532",
            "sbsuser",
            "Illumina\\Recipe",
            "SEQNAS",
            "secret-sheet",
        ] {
            assert!(!json.contains(secret), "{secret} leaked");
        }
    }

    #[test]
    fn instrument_detection_order() {
        let t = |a: &str| instrument_type(Some(a), None);
        assert_eq!(t("HiSeq Control Software").as_deref(), Some("HiSeq"));
        assert_eq!(t("MiniSeq Control Software").as_deref(), Some("MiniSeq"));
        assert_eq!(
            t("NextSeq 1000/2000 Control Software").as_deref(),
            Some("NextSeq")
        );
        assert_eq!(t("iSeq Control Software").as_deref(), Some("iSeq"));
        assert_eq!(t("Something"), None);
        assert_eq!(
            instrument_type(Some("HiSeq"), Some("false")).as_deref(),
            Some("HiScan")
        );
    }

    #[test]
    fn novaseq_style_rfids_and_consumable_info() {
        let doc = r#"<RunParameters><Application>NovaSeq Control Software</Application>
          <ApplicationVersion>1.6.0</ApplicationVersion><RtaVersion>v3.4.4</RtaVersion>
          <RfidsInfo><FlowCellSerialBarcode>HXXXXDSXX</FlowCellSerialBarcode><FlowCellLotNumber>L1</FlowCellLotNumber>
          <FlowCellMode>S4</FlowCellMode><SbsSerialBarcode>SBS1</SbsSerialBarcode></RfidsInfo>
          <ConsumableInfo><ConsumableInfo><Type>Buffer</Type><SerialNumber>B1</SerialNumber></ConsumableInfo></ConsumableInfo>
        </RunParameters>"#;
        let p = parse_run_parameters(&xml::parse(doc).unwrap()).unwrap();
        assert_eq!(p.instrument_type.as_deref(), Some("NovaSeq"));
        assert_eq!(p.rta_version.as_deref(), Some("v3.4.4"));
        let fc = p.flowcell.unwrap();
        assert_eq!(
            (fc.serial_number.as_deref(), fc.kind.as_deref()),
            (Some("HXXXXDSXX"), Some("S4"))
        );
        assert_eq!(
            p.reagent_kit.unwrap().serial_number.as_deref(),
            Some("SBS1")
        );
        assert_eq!(p.buffer.unwrap().serial_number.as_deref(), Some("B1"));
    }
}
