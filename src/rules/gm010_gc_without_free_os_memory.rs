//! GM010 gc-without-free-os-memory: a lone `runtime.GC()` meant to release memory.
//! The YAML's template fix (`debug.FreeOSMemory()`) does the rewrite; this module
//! keeps collections whose purpose is a measurement, or that already release
//! memory, or that the program runs on purpose.

use crate::analysis::{collections, scope};
use crate::gofile::{GoFile, GoMatch};
use crate::outcome::Outcome;

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    // A test-support package (`testutil`) runs only under `go test`: test code.
    if scope::in_test_support_package(file) {
        return Outcome::Silent;
    }
    let wanted = collections::not_followed_by_measurement(file, m)
        && collections::no_free_os_memory_nearby(file, m)
        && collections::not_a_deliberate_collection(file, m);
    if wanted {
        Outcome::template()
    } else {
        Outcome::Silent
    }
}
