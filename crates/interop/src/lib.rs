//! Illumina run folders → run summary (work in progress).
