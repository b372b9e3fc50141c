//! GM005 gc-in-loop: `runtime.GC()` inside a loop. The pattern finds the call in a
//! loop; this module leaves alone the collections a program means to run and
//! removes the others.

use crate::analysis::{collections, statements};
use crate::gofile::{GoFile, GoMatch};
use crate::outcome::Outcome;

pub fn run(file: &GoFile, m: &GoMatch) -> Outcome {
    if !collections::not_a_deliberate_collection(file, m) {
        return Outcome::Silent;
    }
    statements::remove_statement(file, m)
}
