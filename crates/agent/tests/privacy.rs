//! Privacy by allow-list: copy every real run folder, plant a unique marker in every
//! free-text and path field of RunParameters.xml and RunInfo.xml (the names of kinds too:
//! chemistry, kit and flow-cell type, application name), in a sample sheet, sample names
//! in IndexMetricsOut.bin and sequence files, and check that no marker appears in any
//! byte `summarize --dry-run` prints, in any byte `watch` sends (captured by a plain-HTTP
//! listener on 127.0.0.1), nor in any file it spools (a refused run's `rejected/` files
//! included) — and that the body is the original's, so the planted text had no influence
//! beyond turning a kind's name into "other".

mod common;

use common::capture::{Capture, ACK};
use common::{dry_run, run_agent, run_folders, shared_interop, stderr};
use seqhealth_api::RunIngest;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// RunParameters.xml elements whose text the agent may send as it is: software versions
/// and lot numbers (performance data, DOMAIN.md). Every other leaf gets a marker.
const KEEP: [&str; 8] = [
    "ApplicationVersion",
    "MCSVersion",
    "ControlSoftwareVersion",
    "RTAVersion",
    "RtaVersion",
    "LotNumber",
    "FlowCellLotNumber",
    "SbsLotNumber",
];

/// Elements whose text picks the instrument family (a word from a fixed list): the marker
/// is appended, so the family, and with it the body, stays the same.
const APPEND: [&str; 2] = ["ApplicationName", "Application"];

/// Free-text and path fields of every instrument generation; planted even where
/// the copied file does not have them (at the root, and under `<Setup>`).
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

/// Names of kinds in RunParameters.xml, planted (where missing) at the root and under
/// `<Setup>` as [`EXTRA`] is: the agent may send them only as a name from its known
/// sets, so a marker there must become "other".
const KINDS: [&str; 7] = [
    "Chemistry",
    "ReagentKitType",
    "ReagentKitVersion",
    "FlowCellType",
    "FlowCellMode",
    "Flowcell",
    "Sbs",
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

fn is_appended(name: &str) -> bool {
    APPEND.iter().any(|k| k.eq_ignore_ascii_case(local(name)))
}

/// Replace the text of every leaf element not in [`KEEP`] (empty ones `<X />` included)
/// and every attribute value (namespace declarations aside) with a marker; for
/// [`APPEND`] elements, append one.
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
            if is_appended(name) {
                out.push_str(&rest[..text_end]);
                out.push(' ');
            }
            out.push_str(&m.next(name));
            rest = &rest[text_end..];
        }
    }
    out.push_str(rest);
    out
}

/// Insert `<Name>marker</Name>` for every one of `names` right after the opening tag of
/// each element named in `parents` (case-insensitive), e.g. the root and `<Setup>`.
fn plant_extra(xml: &str, parents: &[&str], names: &[&str], m: &mut Markers) -> String {
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
        let inserted: String = names
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
        "[Header]\nInvestigator Name,{}\nExperiment Name,{}\nChemistry,{}\n[Data]\nSample_ID,Sample_Name,Sample_Project\n{},{},{}\n",
        m.next("SheetInvestigator"),
        m.next("SheetExperiment"),
        m.next("SheetChemistry"),
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

/// RunCompletionStatus.xml: the real one keeps its status and counts, with markers in its
/// run id and free-text error description; a folder without one gets a run the software
/// stopped (MiSeq folders) or a status word nobody knows (the others), each with a
/// planted description.
fn plant_completion(dir: &Path, name: &str, m: &mut Markers) {
    let path = dir.join("RunCompletionStatus.xml");
    let text = match std::fs::read_to_string(&path) {
        Ok(real) => real,
        Err(_) => {
            let status = if name.contains("miseq") {
                "ExceptionEndedEarly".to_string()
            } else {
                m.next("CompletionStatus")
            };
            format!(
                "<?xml version=\"1.0\"?>\n<RunCompletionStatus>\n<Version>1</Version>\n\
                 <CompletionStatus>{status}</CompletionStatus>\n<RunId>x</RunId>\n\
                 <PlannedRead1Cycles>151</PlannedRead1Cycles>\n<PlannedRead2Cycles>151</PlannedRead2Cycles>\n\
                 <CompletedRead1Cycles>151</CompletedRead1Cycles>\n<CompletedRead2Cycles>12</CompletedRead2Cycles>\n\
                 <ErrorDescription>x</ErrorDescription>\n</RunCompletionStatus>\n"
            )
        }
    };
    let mut planted = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let field = ["RunId", "ErrorDescription"]
            .into_iter()
            .find(|f| trimmed.starts_with(&format!("<{f}>")));
        match field {
            Some(f) => planted.push_str(&format!("<{f}>{}</{f}>", m.next(f))),
            None => planted.push_str(line),
        }
        planted.push('\n');
    }
    std::fs::write(&path, planted).unwrap();
}

/// A copy of a real run folder with markers planted.
struct Planted {
    name: String,
    original: PathBuf,
    copy: PathBuf,
    /// Whether it has a RunParameters.xml (without one the agent refuses the folder).
    has_params: bool,
    markers: Vec<String>,
}

/// Copies `original` into `into` and plants markers everywhere free text can be.
fn plant(original: &Path, into: &Path, tag: &str) -> Planted {
    let name = original.file_name().unwrap().to_string_lossy().into_owned();
    let copy = into.join(&name);
    copy_dir(original, &copy);
    let mut m = Markers::new(tag);

    let params = ["RunParameters.xml", "runParameters.xml"]
        .iter()
        .map(|n| copy.join(n))
        .find(|p| p.is_file());
    if let Some(params) = &params {
        let text = std::fs::read_to_string(params).unwrap();
        let planted = plant_leaves(&text, &mut m);
        let planted = plant_extra(&planted, &["RunParameters", "Setup"], &EXTRA, &mut m);
        let planted = plant_extra(&planted, &["RunParameters", "Setup"], &KINDS, &mut m);
        std::fs::write(params, planted).unwrap();
    }

    let info = copy.join("RunInfo.xml");
    let text = std::fs::read_to_string(&info).unwrap();
    let mut planted = plant_extra(&text, &["Run"], &EXTRA, &mut m);
    let run_attr = format!("<Run Description=\"{}\" ", m.next("RunInfoAttr"));
    planted = planted.replacen("<Run ", &run_attr, 1);
    std::fs::write(&info, planted).unwrap();

    plant_completion(&copy, &name, &mut m);
    plant_files(&copy, &mut m);
    let least = if params.is_some() { 40 } else { 10 };
    assert!(
        m.all.len() > least,
        "{name}: only {} markers planted",
        m.all.len()
    );
    Planted {
        name,
        original: original.to_path_buf(),
        copy,
        has_params: params.is_some(),
        markers: m.all,
    }
}

/// Every marker of `planted` found in `bytes`.
fn leaks<'a>(planted: &'a [Planted], bytes: &[u8]) -> Vec<&'a String> {
    let text = String::from_utf8_lossy(bytes);
    planted
        .iter()
        .flat_map(|p| p.markers.iter())
        .filter(|k| text.contains(k.as_str()))
        .collect()
}

/// The body with the names of kinds set aside: planted, they may only be "other" or
/// absent; everything else must be the original's.
fn without_kinds(folder: &str, mut run: RunIngest, planted: bool) -> RunIngest {
    let c = &mut run.configuration;
    if planted {
        for kind in [&c.chemistry, &c.flow_cell_type] {
            assert!(
                matches!(kind.as_deref(), None | Some("other")),
                "{folder}: a planted kind is sent as {kind:?}"
            );
        }
    }
    c.chemistry = None;
    c.flow_cell_type = None;
    run
}

fn check_dry_run(p: &Planted) {
    let folder = &p.name;
    let (out, ingest) = dry_run(&p.copy);
    let json = run_agent(&["summarize".as_ref(), "--json".as_ref(), p.copy.as_os_str()]);
    assert_eq!(
        out.status.success(),
        p.has_params,
        "{folder}: {}",
        stderr(&out)
    );
    assert_eq!(
        json.status.success(),
        p.has_params,
        "{folder}: {}",
        stderr(&json)
    );
    for (what, bytes) in [
        ("dry-run stdout", &out.stdout),
        ("dry-run stderr", &out.stderr),
        ("--json stdout", &json.stdout),
        ("--json stderr", &json.stderr),
    ] {
        let leaked = leaks(std::slice::from_ref(p), bytes);
        assert!(
            leaked.is_empty(),
            "{folder}: {what} leaks {leaked:?}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    // The planted text changed nothing that leaves, but for kinds turned into "other".
    let (_, before) = dry_run(&p.original);
    assert_eq!(
        ingest.map(|r| without_kinds(folder, r, true)),
        before.map(|r| without_kinds(folder, r, false)),
        "{folder}: planted free text changed the body"
    );
}

#[test]
fn planted_free_text_never_leaves() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let folders = run_folders(&shared);
    assert!(folders.len() >= 9, "the shared run folders: {folders:?}");
    let tmp = tempfile::tempdir().unwrap();
    let mut planted = 0;
    for (i, original) in folders.iter().enumerate() {
        let p = plant(original, tmp.path(), &format!("T{i}"));
        check_dry_run(&p);
        planted += p.markers.len();
    }
    println!(
        "{planted} markers planted in {} folders, none left the instrument",
        folders.len()
    );
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_no_leak_in_files(planted: &[Planted], dir: &Path, when: &str) -> usize {
    let files = files_under(dir);
    for f in &files {
        let leaked = leaks(planted, &std::fs::read(f).unwrap());
        assert!(
            leaked.is_empty(),
            "{when}: {} leaks {leaked:?}",
            f.display()
        );
    }
    files.len()
}

/// `watch` on planted copies of every real run folder: what it spools while the server
/// is away, every byte it then sends, and the `rejected/` files of the run the server
/// refuses hold no marker.
#[test]
fn planted_free_text_never_goes_on_the_wire_nor_into_the_spool() {
    let Some(shared) = shared_interop() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let runs = tmp.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let planted: Vec<Planted> = run_folders(&shared)
        .iter()
        .enumerate()
        .map(|(i, original)| {
            let p = plant(original, &runs, &format!("W{i}"));
            std::fs::write(p.copy.join("RTAComplete.txt"), "done").unwrap();
            p
        })
        .collect();
    let summarisable = planted.iter().filter(|p| p.has_params).count();
    assert!(planted.len() >= 9 && summarisable >= 6);
    let token = tmp.path().join("token");
    // Owner-only, as `enroll` writes it: mode 0600, or on Windows a protected DACL.
    seqhealth_agent::config::write_atomically(&token, b"tok-privacy", true).unwrap();
    let spool = tmp.path().join("spool");
    let watch = |server: &str| {
        run_agent(&[
            "watch".as_ref(),
            runs.as_os_str(),
            "--once".as_ref(),
            "--server".as_ref(),
            server.as_ref(),
            "--token-file".as_ref(),
            token.as_os_str(),
            "--spool".as_ref(),
            spool.as_os_str(),
        ])
    };

    // The server is away: everything stays in the spool.
    let away = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let away_url = format!("http://{}", away.local_addr().unwrap());
    drop(away);
    let out = watch(&away_url);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let spooled = assert_no_leak_in_files(&planted, &spool, "spooled while the server is away");
    assert!(spooled > summarisable, "{spooled} files in the spool");
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let leaked = leaks(&planted, bytes);
        assert!(leaked.is_empty(), "watch {what} leaks {leaked:?}");
    }

    // The server is back and refuses the first run (4xx): it lands in rejected/.
    let count = AtomicUsize::new(0);
    let server = Capture::start(
        "127.0.0.1:0",
        Box::new(move |_| {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                (
                    422,
                    r#"{"error":"invalid_run","detail":"refused by the test"}"#.to_string(),
                )
            } else {
                (200, ACK.to_string())
            }
        }),
    );
    let out = watch(&server.base());
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = server.requests();
    let run_requests = requests
        .iter()
        .filter(|r| r.line.starts_with("POST /api/v1/ingest/runs "))
        .count();
    assert_eq!(run_requests, summarisable, "one request per run");
    let mut batches = 0;
    let mut codes = Vec::new();
    for r in &requests {
        if r.line.starts_with("POST /api/v1/ingest/telemetry ") {
            // A run's derived signals and how it ended: numbers under allow-listed names
            // and codes from the closed list, nothing else.
            let b: seqhealth_api::TelemetryBatch =
                serde_json::from_slice(&r.body).expect("a telemetry body");
            assert!(b.instrument.is_none() && b.events.len() <= 1, "{b:?}");
            for e in &b.events {
                assert!(
                    seqhealth_agent::oplog::CODES.contains(&e.code.as_str()),
                    "{e:?}"
                );
                codes.push((e.code.clone(), e.severity));
            }
            for reading in &b.readings {
                assert!(
                    seqhealth_agent::signals::RUN_SIGNALS
                        .iter()
                        .any(|(name, _, _)| *name == reading.sensor),
                    "{reading:?}"
                );
            }
            batches += 1;
        } else {
            assert!(
                r.line.starts_with("POST /api/v1/ingest/runs "),
                "{}",
                r.line
            );
            serde_json::from_slice::<RunIngest>(&r.body).expect("a run body");
        }
        let leaked = leaks(&planted, &r.raw);
        assert!(
            leaked.is_empty(),
            "sent {leaked:?}:\n{}",
            String::from_utf8_lossy(&r.raw)
        );
    }
    assert!(batches >= summarisable - 1, "{batches} signal batches");
    // The real NextSeq file, the planted aborts and unknown statuses all arrived as codes.
    use seqhealth_agent::oplog::{RUN_COMPLETED, RUN_ENDED_BY_ERROR, RUN_ENDED_OTHER};
    use seqhealth_api::EventSeverity::{Error, Info};
    for want in [
        (RUN_COMPLETED, Info),
        (RUN_ENDED_BY_ERROR, Error),
        (RUN_ENDED_OTHER, Error),
    ] {
        assert!(
            codes.iter().any(|(c, s)| (c.as_str(), *s) == want),
            "{want:?} not in {codes:?}"
        );
    }
    let rejected = files_under(&spool.join("rejected"));
    assert_eq!(
        rejected.len(),
        2,
        "the refused run and its reason: {rejected:?}"
    );
    assert_no_leak_in_files(&planted, &spool, "after sending");
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let leaked = leaks(&planted, bytes);
        assert!(leaked.is_empty(), "watch {what} leaks {leaked:?}");
    }
    println!(
        "{} markers planted in {} folders; {} requests and {spooled} spooled files checked",
        planted.iter().map(|p| p.markers.len()).sum::<usize>(),
        planted.len(),
        requests.len()
    );
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
