//! The simulator's parsers of untrusted input (forms and queries, list filters, cookies), fed a
//! seeded stream of random and mutated inputs: they must never panic, and what they accept
//! must mean what it says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

use pingone_sim::internal::{cookie, form_decode, parse_filter, parse_form};
use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

const SEEDS: &[&str] = &[
    "grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fa.test%2Fcb&code_verifier=x",
    "username eq \"ada\" and email sw \"a\"",
    "interactionId=1; interactionToken=abc; ST=xyz",
    "a=%zz&%%=1&+=+&=&&&",
    "name.given sw \"\u{e9}\u{1F600}\"",
];

fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.random_range(1..8) {
        let at = rng.random_range(0..=out.len());
        match rng.random_range(0..4) {
            0 => out.insert(at, rng.random()),
            1 if at < out.len() => {
                out.remove(at);
            }
            2 => out.insert(at, *b"%=&\" ;+".get(rng.random_range(0..7)).unwrap()),
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn parsers_never_panic_on_random_or_mutated_input() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let allowed = ["username", "email", "population.id", "name.given", "name.family"];
    for round in 0..20_000 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            (0..rng.random_range(0..64)).map(|_| rng.random()).collect()
        } else {
            let seed = SEEDS[rng.random_range(0..SEEDS.len())];
            mutate(&mut rng, seed.as_bytes())
        };
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_form(&bytes);
        let _ = form_decode(&text);
        let _ = cookie(&text, "interactionToken");
        if let Some(clauses) = parse_filter(&text, &allowed) {
            assert!(clauses.iter().all(|(attr, _, _)| allowed.contains(&attr.as_str())), "{text:?}");
        }
    }
}

#[test]
fn accepted_input_means_what_it_says() {
    let form = parse_form(b"code=a%2Bb+c&state=x&code=second");
    assert_eq!(form["code"], "a+b c", "first value wins, %2B is a plus, + is a space");
    assert_eq!(
        parse_filter("username eq \"ada\" and name.given SW \"A\"", &["username", "name.given"]),
        Some(vec![("username".into(), false, "ada".into()), ("name.given".into(), true, "A".into())])
    );
    assert_eq!(parse_filter("password eq \"x\"", &["username"]), None);
    assert_eq!(parse_filter("username gt \"x\"", &["username"]), None);
    assert_eq!(parse_filter("username eq ada", &["username"]), None);
    assert_eq!(cookie("a=1; interactionToken=t=with=equals", "interactionToken").as_deref(), Some("t=with=equals"));
    assert_eq!(form_decode("%E2%82%AC+%ff"), "\u{20ac} \u{fffd}");
}
