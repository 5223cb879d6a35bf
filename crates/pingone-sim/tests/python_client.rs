//! Runs `tests/python/test_sim_from_python.py` (standard library only) against the binary: a
//! test suite written in another language can use the simulator. Without `python3` the test
//! says how to install it and passes; with `PINGONE_REQUIRE_SERVICES=1` a missing `python3`
//! fails it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr, missing_docs)]

use std::process::Command;

#[test]
fn the_python_example_signs_on_and_sees_an_expired_code_refused() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/test_sim_from_python.py");
    let python = Command::new("python3").arg("--version").output();
    if python.is_err() {
        assert!(
            std::env::var("PINGONE_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "python3 is required (PINGONE_REQUIRE_SERVICES=1) but was not found"
        );
        eprintln!("skipped: python3 not found (install it with `apt-get install python3`)");
        return;
    }
    let out = Command::new("python3").arg(&script).arg(env!("CARGO_BIN_EXE_pingone-sim")).output().unwrap();
    assert!(
        out.status.success(),
        "the Python test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(": ok"));
}
