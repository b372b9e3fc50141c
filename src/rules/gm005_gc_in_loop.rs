//! GM005 gc-in-loop: `runtime.GC()` inside a loop. The pattern finds the call in a
//! loop; this module leaves alone the collections a program means to run and
//! removes the others.

use crate::analysis::{collections, scope, statements};
use crate::gofile::{GoFile, GoMatch};
use crate::outcome::Outcome;

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    // A test-support package (`testutil`) runs only under `go test`: test code.
    if scope::in_test_support_package(file) {
        return Outcome::Silent;
    }
    if !collections::not_a_deliberate_collection(file, m)
        || collections::paced_by_memory(file, m.get_node())
    {
        return Outcome::Silent;
    }
    statements::remove_statement(file, m)
}
