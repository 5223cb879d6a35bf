//! Near-valid network data for the property tests of `pingone-core` and `pingone-flow` (security
//! audit item 3: no input makes a parser panic). One generator serves both crates' tests.
//!
//! The inputs are drawn by hand from proptest's RNG (`prop_perturb`): proptest's own nested
//! strategies cost about a millisecond per JSON document in a debug build, which would make
//! 10,000 cases take tens of seconds. The price is that a failing input is reported whole, not
//! shrunk.

// Test input generation: wrapping, truncation and overflow here are the generator's, not the
// parsers'; indexing is into slices this generator sized.
#![allow(clippy::arithmetic_side_effects, clippy::indexing_slicing, missing_docs)]

use proptest::prelude::*;
use proptest::test_runner::TestRng;

/// Lower-case ASCII letters.
pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
/// Printable text with the characters parsers trip on: quotes, brackets, non-ASCII, NUL.
pub const PRINTABLE: &str = "abcXYZ019 _-.:/\\\"'{}[]é€\u{1F600}\t\n\u{0}";

/// A JSON object's field: its name and how to draw a value of its type.
pub type Field<'a> = (&'a str, &'a dyn Fn(&mut Gen) -> String);

/// A generator of near-valid network data, seeded from proptest's RNG (whose ChaCha is slow in
/// a debug build: xorshift64* here).
#[derive(Debug)]
pub struct Gen(u64);

impl Gen {
    pub fn seeded(mut rng: TestRng) -> Self {
        Self(rng.next_u64() | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub fn text(&mut self, alphabet: &str, max: usize) -> String {
        let len = self.below(max + 1);
        if alphabet.is_ascii() {
            let bytes = alphabet.as_bytes();
            return (0..len).map(|_| char::from(self.pick(bytes))).collect();
        }
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| self.pick(&chars)).collect()
    }

    /// Any characters: ASCII (control characters included), Latin, astral.
    pub fn any_text(&mut self, max: usize) -> String {
        (0..self.below(max + 1))
            .filter_map(|_| {
                let range = self.pick(&[0x80_u32, 0x800, 0x11_0000]);
                char::from_u32(self.next_u32() % range)
            })
            .collect()
    }

    pub fn bytes(&mut self, max: usize) -> Vec<u8> {
        (0..self.below(max + 1)).map(|_| self.next_u32() as u8).collect()
    }

    pub fn json_string(&mut self, alphabet: &str, max: usize) -> String {
        serde_json::Value::String(self.text(alphabet, max)).to_string()
    }

    pub fn json_value(&mut self, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        match self.below(if depth == 0 { 6 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(self.percent(50)),
            2 => Value::from(self.next_u64() as i64),
            3 => Value::from(self.next_u64()),
            4 => serde_json::Number::from_f64(f64::from_bits(self.next_u64())).map_or(Value::Null, Value::Number),
            5 => Value::String(self.text(PRINTABLE, 12)),
            6 => Value::Array((0..self.below(3)).map(|_| self.json_value(depth - 1)).collect()),
            _ => Value::Object((0..self.below(3)).map(|_| (self.text(LOWER, 6), self.json_value(depth - 1))).collect()),
        }
    }

    /// A JSON text fragment of any type, numbers no Rust integer holds included.
    pub fn any_fragment(&mut self) -> String {
        match self.below(6) {
            0 => self
                .pick(&[
                    "1e999",
                    "-1e999",
                    "18446744073709551616",
                    "-1",
                    "-0",
                    "3600.0",
                    "1.5",
                    "\"\\ud800\"",
                    "\"\\u0000\"",
                    "[]",
                    "{}",
                ])
                .to_owned(),
            1 => self.next_u64().to_string(),
            _ => self.json_value(2).to_string(),
        }
    }

    /// A JSON object: each field present most of the time, with a value of its type (from
    /// `typed`) most of the time and of any type otherwise; sometimes an unknown field.
    pub fn object(&mut self, fields: &[Field<'_>]) -> String {
        let mut parts = Vec::new();
        for (key, typed) in fields {
            if self.percent(85) {
                let value = if self.percent(75) { typed(self) } else { self.any_fragment() };
                parts.push(format!("\"{key}\":{value}"));
            }
        }
        if self.percent(30) {
            parts.push(format!("\"unknownField\":{}", self.any_fragment()));
        }
        format!("{{{}}}", parts.join(","))
    }

    pub fn array(&mut self, max: usize, item: &dyn Fn(&mut Gen) -> String) -> String {
        let items: Vec<String> = (0..self.below(max + 1)).map(|_| item(self)).collect();
        format!("[{}]", items.join(","))
    }

    /// `text` as is, truncated, with one byte changed, or with one byte inserted.
    pub fn damaged(&mut self, text: String) -> Vec<u8> {
        let mut bytes = text.into_bytes();
        let at = self.below(bytes.len() + 1);
        let byte = self.next_u32() as u8;
        match self.below(4) {
            1 => bytes.truncate(at),
            2 if at < bytes.len() => bytes[at] = byte,
            3 => bytes.insert(at, byte),
            _ => {}
        }
        bytes
    }

    /// An HTTP date in one of RFC 9110's three forms, fields in and out of range.
    pub fn http_date(&mut self) -> String {
        let wd = self.pick(&["Sun", "Mon", "Thu", "Sunday", "Xyz", ""]);
        let mon = self.pick(&["Jan", "Feb", "Jun", "Dec", "Foo"]);
        let day = self.below(41);
        let year = match self.below(3) {
            0 => self.below(3001) as u64,
            1 => 3000 + self.below(100_000) as u64,
            _ => self.next_u64(),
        };
        let (h, m, s) = (self.below(100), self.below(100), self.below(100));
        match self.below(3) {
            0 => format!("{wd}, {day:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT"),
            1 => format!("{wd}, {day:02}-{mon}-{year} {h:02}:{m:02}:{s:02} GMT"),
            _ => format!("{wd} {mon} {day:>2} {h:02}:{m:02}:{s:02} {year}"),
        }
    }
}

/// A strategy drawing values with `draw`.
pub fn drawn<T: std::fmt::Debug>(draw: fn(&mut Gen) -> T) -> impl Strategy<Value = T> {
    Just(()).prop_perturb(move |(), rng| draw(&mut Gen::seeded(rng)))
}
