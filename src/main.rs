//! The `jirad` binary.
fn main() {}
