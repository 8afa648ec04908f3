//! Privacy by allow-list: copy real run folders, plant a unique marker in every free-text
//! and path field of RunParameters.xml and RunInfo.xml (and in a sample sheet, sample
//! names in IndexMetricsOut.bin, sequence files), and check that no marker appears in any
//! byte `summarize --dry-run` prints — and that the body is the same as the original's,
//! so the planted text had no influence at all.

mod common;

use common::{dry_run, run_agent, shared_interop, stderr};
use std::path::Path;

/// RunParameters.xml elements whose text the agent may send or needs to read the run:
/// versions, lots, the chemistry/kit name, the flow cell's type (an instrument's own
/// value, "S4" or "HiSeq Rapid Flow Cell v1"), and the application name (which picks the
/// instrument's channel order). Every other leaf gets a marker.
const KEEP: [&str; 18] = [
    "ApplicationName",
    "Application",
    "SupportMultipleSurfacesInUI",
    "ApplicationVersion",
    "MCSVersion",
    "ControlSoftwareVersion",
    "RTAVersion",
    "RtaVersion",
    "Chemistry",
    "LotNumber",
    "FlowCellLotNumber",
    "SbsLotNumber",
    "ReagentKitVersion",
    "ReagentKitType",
    "Sbs",
    "FlowCellMode",
    "FlowCellType",
    "Flowcell",
];

/// Free-text and path fields of every instrument generation; planted even where the
/// copied file does not have them (at the root, and under `<Setup>`).
const EXTRA: [&str; 16] = [
    "ExperimentName",
    "Username",
    "UserName",
    "LibraryID",
    "SampleSheet",
    "SampleSheetName",
    "SampleSheetFolder",
    "SampleSheetPath",
    "RecipeFolder",
    "ILMNOnlyRecipeFolder",
    "OutputFolder",
    "OutputRunFolder",
    "TempFolder",
    "ComputerName",
    "RunDescription",
    "Notes",
];

struct Markers {
    tag: String,
    all: Vec<String>,
}

impl Markers {
    fn new(tag: &str) -> Self {
        Markers {
            tag: tag.to_string(),
            all: Vec::new(),
        }
    }
    /// A fresh marker naming where it was planted. Only characters the agent's id
    /// sanitiser keeps, so a leak through it would still be found.
    fn next(&mut self, place: &str) -> String {
        let place: String = place.chars().filter(char::is_ascii_alphanumeric).collect();
        let m = format!("ZQX{}{}x{}", self.tag, self.all.len(), place);
        self.all.push(m.clone());
        m
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn is_kept(name: &str) -> bool {
    KEEP.iter().any(|k| k.eq_ignore_ascii_case(local(name)))
}

/// Replace the text of every leaf element not in [`KEEP`] (empty ones `<X />` included)
/// and every attribute value (namespace declarations aside) with a marker.
fn plant_leaves(xml: &str, m: &mut Markers) -> String {
    let mut out = String::with_capacity(xml.len() * 2);
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let gt = rest.find('>').expect("well-formed XML") + 1;
        let tag = &rest[..gt];
        rest = &rest[gt..];
        if tag.starts_with("<?") || tag.starts_with("<!") || tag.starts_with("</") {
            out.push_str(tag);
            continue;
        }
        let self_closing = tag.ends_with("/>");
        let body = tag[1..tag.len() - if self_closing { 2 } else { 1 }].trim_end();
        let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
        let name = &body[..name_end];
        // Attributes: name="value" pairs.
        let mut attrs = String::new();
        let mut a = &body[name_end..];
        while let Some(eq) = a.find('=') {
            let attr_name = a[..eq].trim();
            let quote = a[eq + 1..]
                .trim_start()
                .chars()
                .next()
                .expect("quoted value");
            let open = a[eq + 1..].find(quote).unwrap() + eq + 2;
            let close = a[open..].find(quote).unwrap() + open;
            let value = if attr_name.starts_with("xmlns") {
                a[open..close].to_string()
            } else {
                m.next(&format!("{name}{attr_name}"))
            };
            attrs.push_str(&format!(" {attr_name}={quote}{value}{quote}"));
            a = &a[close + 1..];
        }
        if self_closing {
            if is_kept(name) {
                out.push_str(&format!("<{name}{attrs} />"));
            } else {
                let v = m.next(name);
                out.push_str(&format!("<{name}{attrs}>{v}</{name}>"));
            }
            continue;
        }
        out.push_str(&format!("<{name}{attrs}>"));
        // A leaf: text, then this element's end tag.
        let text_end = rest.find('<').unwrap_or(rest.len());
        if rest[text_end..].starts_with(&format!("</{name}>")) && !is_kept(name) {
            out.push_str(&m.next(name));
            rest = &rest[text_end..];
        }
    }
    out.push_str(rest);
    out
}

/// Insert `<Name>marker</Name>` for every [`EXTRA`] name right after the opening tag of
/// each element named in `parents` (case-insensitive), e.g. the root and `<Setup>`.
fn plant_extra(xml: &str, parents: &[&str], m: &mut Markers) -> String {
    let mut out = xml.to_string();
    for parent in parents {
        let lower = out.to_ascii_lowercase();
        let Some(start) = lower
            .match_indices(&format!("<{}", parent.to_ascii_lowercase()))
            .map(|(i, _)| i)
            .find(|&i| {
                let next = lower.as_bytes()[i + parent.len() + 1];
                next == b'>' || next.is_ascii_whitespace()
            })
        else {
            continue;
        };
        let gt = out[start..].find('>').unwrap() + start + 1;
        let inserted: String = EXTRA
            .iter()
            .map(|name| format!("<{name}>{}</{name}>", m.next(&format!("{parent}{name}"))))
            .collect();
        out.insert_str(gt, &inserted);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
            let mut perms = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms).unwrap();
        }
    }
}

/// IndexMetricsOut.bin v1: per record lane, tile, read, index name, count, sample name,
/// project name — the sample and project names are markers.
fn index_metrics(m: &mut Markers) -> Vec<u8> {
    let mut b = vec![1u8];
    for tile in [1101u16, 1102] {
        b.extend(1u16.to_le_bytes());
        b.extend(tile.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        for (i, s) in [
            "ACGTAC-GTACGT".to_string(),
            String::new(),
            m.next("IndexSample"),
            m.next("IndexProject"),
        ]
        .iter()
        .enumerate()
        {
            if i == 1 {
                b.extend(12_345u32.to_le_bytes());
                continue;
            }
            b.extend((s.len() as u16).to_le_bytes());
            b.extend(s.as_bytes());
        }
    }
    b
}

/// Files that must never be read into what leaves: a sample sheet, sample/project names
/// in IndexMetricsOut.bin, base calls and reads.
fn plant_files(dir: &Path, m: &mut Markers) {
    let sheet = format!(
        "[Header]\nInvestigator Name,{}\nExperiment Name,{}\n[Data]\nSample_ID,Sample_Name,Sample_Project\n{},{},{}\n",
        m.next("SheetInvestigator"),
        m.next("SheetExperiment"),
        m.next("SheetSampleId"),
        m.next("SheetSampleName"),
        m.next("SheetProject"),
    );
    std::fs::write(dir.join("SampleSheet.csv"), sheet).unwrap();
    std::fs::write(dir.join("InterOp/IndexMetricsOut.bin"), index_metrics(m)).unwrap();
    let calls = dir.join("Data/Intensities/BaseCalls/L001");
    std::fs::create_dir_all(&calls).unwrap();
    std::fs::write(calls.join("s_1_1101.bcl"), m.next("Bcl")).unwrap();
    let fastq = format!("@{}\nACGTACGTAC\n+\nIIIIIIIIII\n", m.next("FastqRead"));
    std::fs::write(
        dir.join("Data/Intensities/BaseCalls/Sample_S1_L001_R1_001.fastq"),
        fastq,
    )
    .unwrap();
}

fn plant_and_check(shared: &Path, folder: &str, tag: &str) -> usize {
    let original = shared.join("runs").join(folder);
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(folder);
    copy_dir(&original, &copy);
    let mut m = Markers::new(tag);

    let params = ["RunParameters.xml", "runParameters.xml"]
        .iter()
        .map(|n| copy.join(n))
        .find(|p| p.is_file())
        .expect("a RunParameters.xml");
    let text = std::fs::read_to_string(&params).unwrap();
    let planted = plant_leaves(&text, &mut m);
    let planted = plant_extra(&planted, &["RunParameters", "Setup"], &mut m);
    std::fs::write(&params, planted).unwrap();

    let info = copy.join("RunInfo.xml");
    let text = std::fs::read_to_string(&info).unwrap();
    let mut planted = plant_extra(&text, &["Run"], &mut m);
    let run_attr = format!("<Run Description=\"{}\" ", m.next("RunInfoAttr"));
    planted = planted.replacen("<Run ", &run_attr, 1);
    std::fs::write(&info, planted).unwrap();

    plant_files(&copy, &mut m);
    assert!(
        m.all.len() > 30,
        "{folder}: only {} markers planted",
        m.all.len()
    );

    let (out, ingest) = dry_run(&copy);
    assert!(out.status.success(), "{folder}: {}", stderr(&out));
    let json = run_agent(&["summarize".as_ref(), "--json".as_ref(), copy.as_os_str()]);
    assert!(json.status.success(), "{folder}: {}", stderr(&json));
    for (what, bytes) in [
        ("dry-run stdout", &out.stdout),
        ("dry-run stderr", &out.stderr),
        ("--json stdout", &json.stdout),
    ] {
        let text = String::from_utf8_lossy(bytes);
        let leaked: Vec<&String> = m.all.iter().filter(|k| text.contains(k.as_str())).collect();
        assert!(
            leaked.is_empty(),
            "{folder}: {what} leaks {leaked:?}:\n{text}"
        );
    }
    // The planted text changed nothing that leaves.
    let (_, before) = dry_run(&original);
    assert_eq!(
        ingest, before,
        "{folder}: planted free text changed the body"
    );
    m.all.len()
}

#[test]
fn planted_free_text_never_leaves() {
    let Some(shared) = shared_interop() else {
        return;
    };
    // MiSeq (runParameters.xml, RFID tags), HiSeq (Setup block, sample sheet path, user
    // and computer names), NextSeq 500 (RunParameters.xml).
    let mut planted = 0;
    for (folder, tag) in [
        ("illuminate_miseq_2013-04_16_2-index", "M"),
        ("illuminate_hiseq2500_140213_average_run", "H"),
        ("illuminate_nextseq500_160404_HW37NBGXX", "N"),
    ] {
        planted += plant_and_check(&shared, folder, tag);
    }
    println!("{planted} markers planted, none left the instrument");
}

/// The originals' own free text (as listed in reference/*.config.json) is not in the body.
#[test]
fn original_free_text_never_leaves() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let mut checked = 0;
    for e in std::fs::read_dir(shared.join("reference")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(folder) = name.strip_suffix(".config.json") else {
            continue;
        };
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let secrets: Vec<String> = config
            .as_object()
            .unwrap()
            .values()
            .flat_map(|file| file.as_object().unwrap().iter())
            .filter(|(k, _)| {
                [
                    "ExperimentName",
                    "Folder",
                    "Username",
                    "UserName",
                    "SampleSheet",
                    "ComputerName",
                ]
                .iter()
                .any(|f| k.contains(f))
            })
            .filter_map(|(_, v)| v.as_str().map(str::to_string))
            .filter(|v| v.len() >= 4)
            .collect();
        let (out, _) = dry_run(&shared.join("runs").join(folder));
        let text = String::from_utf8_lossy(&out.stdout);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{folder}: {s:?} left: {text}");
            checked += 1;
        }
    }
    assert!(checked > 0, "no free-text fields found in the config files");
}
