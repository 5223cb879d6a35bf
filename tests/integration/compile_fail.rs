//! Compile-fail tests: each file under `tests/integration/ui/` is one forbidden use, with the compiler's
//! reviewed answer beside it (`.stderr`).

#[test]
fn forbidden_uses_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/integration/ui/*.rs");
}
