//! `examples/web_signon` in a real headless Chromium: the example runs as its own process (two
//! for the Redis test), on its embedded simulator or on a simulator this test controls as its
//! tenant (outbox, clock). Each page's screenshot lands in `target/web-signon-screenshots/`;
//! every page and log line is scanned for secrets at the end of each test.

use std::time::Duration;

use crate::services::RedisServer;
use crate::web_support::*;

/// Signs on as the demo user up to the code page, on a site using `sim` as its tenant.
async fn at_code_page(browser: &mut Browser, site: &Site) {
    assert_eq!(browser.sign_on_as(site, DEMO_USER).await, "Check your e-mail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_happy_path_by_hand_through_the_mailbox() {
    let Some(mut browser) = Browser::open("happy").await else { return };
    let site = Site::start(&[], None); // the example's own simulator, as `cargo run` starts it
    assert_eq!(browser.sign_on_as(&site, "ada").await, "Check your e-mail");
    assert_eq!(browser.page("code").await, "Check your e-mail");
    // As a person would: read the code in the simulator mailbox.
    browser.goto(&site.url("/mailbox")).await;
    assert_eq!(browser.page("mailbox").await, "Simulator mailbox");
    assert_eq!(browser.text(".mail .to").await, "ada@example.test");
    let body = browser.text(".mail .body").await;
    let code: String = body.split("passcode is ").nth(1).unwrap().chars().take(6).collect();
    browser.goto(&site.url("/signon")).await;
    browser.enter_code(&code).await;
    assert_eq!(browser.page("signed-in").await, "You are signed in");
    assert_eq!(browser.text("#name").await, "Ada Example");
    assert_eq!(browser.text("#email").await, "ada@example.test");
    assert_eq!(browser.text("#amr").await, "otp");
    assert!(browser.text("#auth-time").await.ends_with("GMT"));
    assert!(browser.cookie("signon").await.is_none(), "the sign-on cookie is gone");
    browser.click("#sign-out").await;
    assert_eq!(browser.page("signed-out").await, "Sign on");
    assert!(browser.cookie("session").await.is_none());
    browser.close_and_scan(&[&site], &[code]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_wrong_code_then_the_right_one() {
    let Some(mut browser) = Browser::open("wrong-code").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&["--store", "cookie"], Some(&sim));
    at_code_page(&mut browser, &site).await;
    browser.enter_code("000000").await;
    assert_eq!(browser.page("code-wrong").await, "Check your e-mail");
    assert_eq!(browser.text("#notice").await, "That code is not right. 2 attempt(s) left.");
    browser.enter_code("12ab").await;
    browser.page("code-invalid").await;
    assert_eq!(browser.text("#notice").await, "Enter the code from the e-mail: digits only.");
    let code = code_for(&sim, DEMO_EMAIL).await;
    browser.enter_code(&code).await;
    assert_eq!(browser.page("signed-in").await, "You are signed in");
    assert_eq!(browser.text("#name").await, "Demo User");
    let secret = client_secret(&sim).await;
    browser.close_and_scan(&[&site], &[code, secret, sim.worker_client_secret().to_owned()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_device_choice_shows_distinct_labels() {
    let Some(mut browser) = Browser::open("device-choice").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&[], Some(&sim));
    assert_eq!(browser.sign_on_as(&site, "grace").await, "Choose where to send your code");
    browser.page("device-choice").await;
    let choices = browser.client.find_all(fantoccini::Locator::Css(".choices button")).await.unwrap();
    let mut labels = Vec::new();
    for choice in &choices {
        labels.push(choice.text().await.unwrap());
    }
    assert_eq!(labels.len(), 2);
    assert_ne!(labels[0], labels[1], "two devices never look alike: {labels:?}");
    assert!(sim.outbox().messages().is_empty(), "no code before a device is chosen");
    let before = browser.client.find(fantoccini::Locator::Css("html")).await.unwrap();
    choices[1].click().await.unwrap();
    browser.wait_gone(before).await;
    assert_eq!(browser.page("code-after-choice").await, "Check your e-mail");
    let sent: Vec<String> = sim.outbox().messages().iter().map(|m| m.to.clone()).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let code = code_for(&sim, &sent[0]).await;
    browser.enter_code(&code).await;
    assert_eq!(browser.page("signed-in").await, "You are signed in");
    assert_eq!(browser.text("#name").await, "Grace Hopper");
    browser.close_and_scan(&[&site], &[code]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_lockout_says_when_it_unlocks() {
    let Some(mut browser) = Browser::open("lockout").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&[], Some(&sim));
    at_code_page(&mut browser, &site).await;
    let code = code_for(&sim, DEMO_EMAIL).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in ["2", "1"] {
        browser.enter_code(wrong).await;
        assert!(browser.text("#notice").await.contains(&format!("{left} attempt(s) left")));
    }
    browser.enter_code(wrong).await;
    assert_eq!(browser.page("locked").await, "Too many wrong codes");
    assert_eq!(browser.text("#message").await, "Sign-on is blocked for now. Try again in 2 minute(s).");
    // A new sign-on meets the lock at once.
    assert_eq!(browser.sign_on_as(&site, DEMO_USER).await, "Too many wrong codes");
    assert!(browser.text("#message").await.starts_with("Sign-on is blocked for now. Try again in "));
    browser.page("locked-again").await;
    browser.close_and_scan(&[&site], &[code]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_resend_sends_a_new_code() {
    let Some(mut browser) = Browser::open("resend").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&["--store", "cookie"], Some(&sim));
    at_code_page(&mut browser, &site).await;
    let first = code_for(&sim, DEMO_EMAIL).await;
    browser.click("#resend").await;
    assert_eq!(browser.page("code-resent").await, "Check your e-mail");
    assert_eq!(browser.text("#notice").await, "We e-mailed you a new code.");
    assert_eq!(sim.outbox().messages().len(), 2, "a second e-mail");
    let second = code_for(&sim, DEMO_EMAIL).await;
    browser.enter_code(&second).await;
    assert_eq!(browser.page("signed-in").await, "You are signed in");
    browser.close_and_scan(&[&site], &[first, second]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_expired_code_is_replaced_and_an_expired_flow_offers_to_start_over() {
    let Some(mut browser) = Browser::open("expired").await else { return };
    let sim = tenant_simulator().await;
    // Stages are sealed for 5 s instead of PingOne's 15 minutes, and carried in the cookie.
    let site = Site::start_with(&["--store", "cookie"], Some(&sim), &[("WEB_SIGNON_MAX_AGE_SECS", "5")]);
    at_code_page(&mut browser, &site).await;
    let old = code_for(&sim, DEMO_EMAIL).await;
    sim.controls().advance_clock(Duration::from_secs(31 * 60)); // the demo policy's codes live 30 minutes
    browser.enter_code(&old).await;
    assert_eq!(browser.page("code-expired").await, "Check your e-mail");
    assert_eq!(browser.text("#notice").await, "That code had expired. We e-mailed you a new one.");
    let new = code_for(&sim, DEMO_EMAIL).await;
    assert_ne!(new, old);
    // A sign-on left alone longer than its stages live has expired.
    tokio::time::sleep(Duration::from_secs(6)).await;
    browser.enter_code(&new).await;
    assert_eq!(browser.page("flow-expired").await, "Your sign-on expired");
    browser.click("#start-over").await;
    assert_eq!(browser.page("after-expiry").await, "Sign on");
    browser.close_and_scan(&[&site], &[old, new]).await;
}

/// A double submit (the second request carries the cookie the first one consumed) and the back
/// button after signing on both reach the recovery page, with a store and with the stage in the
/// cookie itself (where the instance refuses a seal it has opened before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_double_submit_and_back_button_reach_the_recovery_page() {
    let Some(mut browser) = Browser::open("double-submit").await else { return };
    let sim = tenant_simulator().await;
    let mut codes = Vec::new();
    for store in ["memory", "cookie"] {
        let site = Site::start(&["--store", store], Some(&sim));
        at_code_page(&mut browser, &site).await;
        let cookie = browser.cookie("signon").await.unwrap();
        let code = code_for(&sim, DEMO_EMAIL).await;
        // The first click: the form goes to another window, this one keeps the form.
        browser.client.execute("document.forms[0].target = '_blank'", vec![]).await.unwrap();
        browser.type_in("#code", &code).await;
        browser.client.find(fantoccini::Locator::Css("#verify")).await.unwrap().click().await.unwrap();
        while browser.cookie("session").await.is_none() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The second click, whose request left with the same cookie as the first.
        browser.set_cookie("signon", cookie).await;
        browser.client.execute("document.forms[0].target = ''", vec![]).await.unwrap();
        browser.click("#verify").await;
        assert_eq!(browser.page(&format!("double-submit-{store}")).await, "This page is out of date");
        assert!(browser.text("#message").await.contains("already"), "{}", browser.text("#message").await);
        // The first click signed on, in the other window.
        browser.goto(&site.url("/")).await;
        assert_eq!(browser.page(&format!("signed-in-{store}")).await, "You are signed in");
        let sign_offs = |sim: &pingone_sim::Simulator| {
            sim.journal().iter().filter(|e| e.path.ends_with("/as/signoff") && e.status < 400).count()
        };
        let before = sign_offs(&sim);
        browser.click("#sign-out").await;
        assert_eq!(sign_offs(&sim), before + 1, "signing out signed off PingOne too");
        // Signed on again, then the back button: the code page's step is gone.
        at_code_page(&mut browser, &site).await;
        let again = code_for(&sim, DEMO_EMAIL).await;
        browser.enter_code(&again).await;
        assert_eq!(browser.text("h1").await, "You are signed in");
        browser.client.back().await.unwrap();
        assert_eq!(browser.page(&format!("back-button-{store}")).await, "This page is out of date");
        browser.click("#start-over").await;
        assert_eq!(browser.text("h1").await, "You are signed in", "still signed in: start over shows the account");
        browser.click("#sign-out").await;
        codes.push(again);
        codes.push(code);
        browser.pages.push(("log".into(), site.log()));
    }
    browser.close_and_scan(&[], &codes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_tampered_cookie_and_second_tab() {
    let Some(mut browser) = Browser::open("tampered").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&["--store", "cookie"], Some(&sim));
    at_code_page(&mut browser, &site).await;
    // A second tab showing the same step: the first tab's form is now out of date.
    let first = browser.client.window().await.unwrap();
    let second = browser.client.new_window(true).await.unwrap().handle;
    browser.client.switch_to_window(second).await.unwrap();
    browser.goto(&site.url("/signon")).await;
    assert_eq!(browser.page("second-tab").await, "Check your e-mail");
    browser.client.switch_to_window(first).await.unwrap();
    browser.enter_code("000000").await;
    assert_eq!(browser.page("other-tab").await, "This page is out of date");
    browser.click("#continue").await;
    assert_eq!(browser.page("continued").await, "Check your e-mail");
    // The sealed stage in the cookie, altered: the site starts over.
    let sealed = browser.cookie("signon").await.unwrap();
    let mut bytes = sealed.clone().into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    browser.set_cookie("signon", String::from_utf8(bytes).unwrap()).await;
    browser.goto(&site.url("/signon")).await;
    assert_eq!(browser.page("tampered").await, "This sign-on cannot continue");
    browser.click("#start-over").await;
    assert_eq!(browser.page("after-tampering").await, "Sign on");
    let code = code_for(&sim, DEMO_EMAIL).await;
    browser.secrets.push(sealed);
    browser.close_and_scan(&[&site], &[code]).await;
}

/// An unknown username gets the same pages and answers as a real one, and no e-mail is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_unknown_username_looks_like_a_known_one() {
    let Some(mut browser) = Browser::open("unknown-user").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&[], Some(&sim));
    let mut seen = Vec::new();
    for username in [DEMO_USER, "nobody"] {
        let sent = sim.outbox().messages().len();
        assert_eq!(browser.sign_on_as(&site, username).await, "Check your e-mail");
        let mut texts = vec![browser.text("main").await];
        browser.page(&format!("code-{username}")).await;
        for _ in 0..2 {
            browser.enter_code("000000").await;
            texts.push(browser.text("main").await);
        }
        browser.click("#resend").await;
        texts.push(browser.text("main").await);
        browser.enter_code("000000").await;
        texts.push(browser.text("main").await);
        browser.page(&format!("locked-{username}")).await;
        seen.push(texts);
        let e_mails = sim.outbox().messages().len() - sent;
        assert_eq!(e_mails, if username == "nobody" { 0 } else { 2 }, "{username}");
    }
    assert_eq!(seen[0], seen[1], "an unknown username must look like a known one");
    assert!(seen[1][4].contains("Too many wrong codes"), "{:?}", seen[1]);
    browser.close_and_scan(&[&site], &[]).await;
}

/// Two instances of the site share one Redis and one sealing key: a sign-on started on one is
/// finished on the other, and its stage cannot be replayed on the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_sign_on_started_on_one_instance_finishes_on_another() {
    let Some(redis) = RedisServer::start() else { return };
    let Some(mut browser) = Browser::open("two-instances").await else { return };
    let sim = tenant_simulator().await;
    let store = redis.url();
    let a = Site::start(&["--store", &store], Some(&sim));
    let b = Site::start(&["--store", &store], Some(&sim));
    assert_ne!(a.base, b.base);
    at_code_page(&mut browser, &a).await;
    browser.page("instance-a-code").await;
    let parked_on_a = browser.cookie("signon").await.unwrap();
    // Same host, another port: the browser sends the same cookie to instance B.
    browser.goto(&b.url("/signon")).await;
    assert_eq!(browser.page("instance-b-code").await, "Check your e-mail");
    let code = code_for(&sim, DEMO_EMAIL).await;
    browser.enter_code(&code).await;
    assert_eq!(browser.page("instance-b-signed-in").await, "You are signed in");
    assert!(browser.client.current_url().await.unwrap().as_str().starts_with(&b.base));
    // The stage parked by A was taken by B: A cannot take it again.
    browser.set_cookie("signon", parked_on_a).await;
    browser.goto(&a.url("/signon")).await;
    assert_eq!(browser.page("instance-a-replay").await, "This page is out of date");
    let (a_log, b_log) = (a.log(), b.log());
    assert!(a_log.contains("user.lookup") && !a_log.contains("otp.check"), "A started the sign-on");
    assert!(b_log.contains("otp.check") && !b_log.contains("user.lookup"), "B finished it");
    browser.close_and_scan(&[&a, &b], &[code]).await;
}

/// PingOne failing a step, and the store going away, get plain pages (and a log line), never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_pingone_and_store_failures_get_plain_pages() {
    let Some(redis) = RedisServer::start() else { return };
    let Some(mut browser) = Browser::open("failures").await else { return };
    let sim = tenant_simulator().await;
    let site = Site::start(&["--store", &redis.url()], Some(&sim));
    at_code_page(&mut browser, &site).await;
    let code = code_for(&sim, DEMO_EMAIL).await;
    let fault = pingone_sim::ScriptedFault::matching("POST", "/flows/", pingone_sim::Fault::ServerError);
    sim.controls().inject(fault);
    browser.enter_code(&code).await;
    assert_eq!(browser.page("pingone-fault").await, "PingOne did not answer");
    at_code_page(&mut browser, &site).await;
    drop(redis);
    browser.goto(&site.url("/signon")).await;
    assert_eq!(browser.page("store-down").await, "Sign-on is unavailable");
    assert!(site.log().contains("the sign-on store failed"), "the operator is told");
    browser.close_and_scan(&[&site], &[code]).await;
}

/// Behind a TLS-terminating proxy the site listens on loopback: `--https` still makes its cookies
/// `Secure` and `__Host-` prefixed, and only the prefixed cookie is read back (a planted
/// `signon` cookie from a sibling subdomain is ignored). No browser needed: plain HTTP requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_https_cookies_are_secure_and_host_prefixed_and_help_exits_0() {
    let sim = tenant_simulator().await;
    let site = Site::start(&["--https"], Some(&sim));
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let home = http.get(site.url("/")).send().await.unwrap();
    let set_cookie = home.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with("__Host-signon="), "{set_cookie}");
    assert!(set_cookie.ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"), "{set_cookie}");
    let page = home.text().await.unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned();
    let value = set_cookie.trim_start_matches("__Host-signon=").split(';').next().unwrap().to_owned();
    // The same value under the unprefixed name is not the site's cookie: the form is refused.
    let planted = http
        .post(site.url("/"))
        .header("cookie", format!("signon={value}"))
        .form(&[("csrf", csrf.as_str()), ("username", "ada")])
        .send()
        .await
        .unwrap();
    assert_eq!(planted.status(), 409, "a form without the site's own cookie changes nothing");
    let accepted = http
        .post(site.url("/"))
        .header("cookie", format!("__Host-signon={value}"))
        .form(&[("csrf", csrf.as_str()), ("username", "ada")])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 303, "{:?}", accepted.headers());
    let help = std::process::Command::new(example_binary()).arg("--help").output().unwrap();
    assert!(help.status.success(), "{help:?}");
    assert!(String::from_utf8_lossy(&help.stdout).contains("--https"));
}
