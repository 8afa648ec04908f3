//! RunCompletionStatus.xml on the real run folders in `shared/interop/runs`: the NextSeq
//! folder has one; the MiSeq and HiSeq folders (whose software does not write it) give
//! nothing, and no error.

mod common;

use common::runs;

use seqhealth_interop::completion::{read_run_completion, CompletionStatus, Cycles};

#[test]
fn the_real_nextseq_run_completed_as_planned() {
    let Some(runs) = runs() else { return };
    let c = read_run_completion(&runs.join("illuminate_nextseq500_160404_HW37NBGXX"))
        .unwrap()
        .expect("the NextSeq folder has a RunCompletionStatus.xml");
    assert_eq!(c.status, CompletionStatus::CompletedAsPlanned);
    // 81 + 6 cycles planned and done (RunInfo.xml: 81 + 6).
    let cycles = Cycles {
        planned: 87,
        completed: 87,
    };
    assert_eq!(c.cycles, Some(cycles));
    assert_eq!(c.completed_pct(), Some(100.0));
}

#[test]
fn folders_without_the_file_give_nothing() {
    let Some(runs) = runs() else { return };
    let mut without = 0;
    for e in std::fs::read_dir(&runs).unwrap() {
        let folder = e.unwrap().path();
        if !folder.join("RunCompletionStatus.xml").is_file() {
            assert_eq!(
                read_run_completion(&folder).unwrap(),
                None,
                "{}",
                folder.display()
            );
            without += 1;
        }
    }
    assert!(without >= 8, "{without}");
}
