//! The pages. Each sign-on stage waits, sealed, in `SignOnSessions` (memory, Redis or the cookie
//! itself) under the `signon` cookie (`__Host-signon` off loopback). Every form carries a CSRF
//! token of the cookie it was shown with (an HMAC under a key derived from the sealing key), so a
//! form is bound to its stage: a double submit, the back button or a second tab gets a page that
//! says so, never a 500.
// Handlers return ready-made error pages as their `Err` values (as pingone-sim does).
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use pingone_flow::{
    AfterUsername, Completed, DecoyPolicy, FlowError, OpenError, OtpOutcome, Recovery, SignOnStage, Tokens,
};
use pingone_session::{SessionCookies, SessionError, SignOnSessions, random_token as random};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
/// The demo policy's limits (`EmailMfaSpec::demo`): mimicked for refused usernames, and the
/// longest a lock lasts when PingOne does not say.
const POLICY: DecoyPolicy = DecoyPolicy { attempts: 3, lock_for: Duration::from_secs(120) };

pub(crate) struct App {
    pub(crate) client: pingone_flow::SignOnClient,
    pub(crate) sessions: SignOnSessions,
    pub(crate) outbox: Option<pingone_sim::Outbox>,
    /// `Secure` and `__Host-` cookies unless the site is plain HTTP on loopback.
    pub(crate) cookies: SessionCookies,
    /// The app's own session: signed-in users' tokens (verified claims, and what signs them off
    /// PingOne). A real app keeps them in its framework's session layer, shared by its
    /// instances; this example keeps them in memory.
    pub(crate) accounts: tokio::sync::Mutex<HashMap<String, Tokens>>,
}

type Page = Result<Response, Response>;
type Shared = State<Arc<App>>;
type Fields = Form<HashMap<String, String>>;

pub(crate) fn router(app: App) -> axum::Router {
    use axum::routing::{get, post};
    let router = axum::Router::new().route("/", get(home).post(start)).route("/signon", get(show).post(advance));
    router.route("/signout", post(sign_out)).route("/mailbox", get(mailbox)).with_state(Arc::new(app))
}

async fn home(State(app): Shared, headers: HeaderMap) -> Page {
    let session = app.cookie(&headers, "session").unwrap_or_default();
    if let Some(tokens) = app.accounts.lock().await.get(&session) {
        return Ok(app.page(&signed_in(&tokens.claims, &app.sessions.csrf_token(&session))));
    }
    // Before a sign-on exists, the cookie holds a random value for the form's token to be bound to.
    let value = app.cookie(&headers, "signon").or_else(random).ok_or_else(|| oops(UNAVAILABLE, 503))?;
    let body = fill(include_str!("templates/username.html"), &[("csrf", &app.sessions.csrf_token(&value))]);
    Ok(([app.set("signon", Some(&value))], app.page(&body)).into_response())
}

async fn start(State(app): Shared, headers: HeaderMap, Form(form): Fields) -> Page {
    let _ = app.sessions.take(&app.bound(&headers, "signon", &form)?).await; // drops a sign-on in progress
    let authorized = app.client.authorize().await.map_err(|e| failure(&e))?;
    let username = form.get("username").map_or("", |u| u.trim());
    let stage = match authorized.submit_username(&app.client, username).await {
        Ok(submitted) => match submitted.next().map_err(|e| failure(&e))? {
            AfterUsername::OtpRequired(stage) => stage.into(),
            AfterUsername::DeviceSelectionRequired(stage) => stage.into(),
            AfterUsername::Completed(done) => return app.finish(done).await,
        },
        // No user enumeration: a refused username gets a decoy code stage that answers as a real
        // one does, but no code is ever sent. See README-section.md for what remains.
        Err(FlowError::UsernameRejected { state, .. }) => state.decoy(POLICY).into(),
        Err(e) => return Err(failure(&e)),
    };
    app.park(stage, "").await
}

/// The page of the stage waiting under the cookie (taken, shown, and parked under a new token).
async fn show(State(app): Shared, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Page {
    let stage = app.take(&headers).await?;
    let body = match &stage {
        SignOnStage::DeviceSelectionRequired(stage) => {
            let choice = include_str!("templates/choice.html");
            let choices: String =
                stage.choices().iter().map(|c| fill(choice, &[("id", &c.id), ("label", &c.label)])).collect();
            include_str!("templates/device.html").replace("{{!choices}}", &choices)
        }
        SignOnStage::OtpRequired(_) => {
            let left = query.get("left").and_then(|n| n.parse::<u32>().ok());
            let key =
                format!("{}{}=", query.get("notice").map_or("", |n| n), if left.is_some() { "+left" } else { "" });
            let notice = include_str!("templates/notices.txt").lines().find_map(|l| l.strip_prefix(key.as_str()));
            let notice = fill(notice.unwrap_or_default(), &[("left", &left.unwrap_or_default().to_string())]);
            fill(include_str!("templates/code.html"), &[("notice", &notice)])
        }
        _ => return Err(oops(include_str!("templates/start_over.html"), 409)),
    };
    let token = app.sessions.park(stage).await.map_err(|e| lost(&e))?;
    let body = fill(&body, &[("csrf", &app.sessions.csrf_token(token.secret()))]);
    Ok(([app.set("signon", Some(token.secret()))], app.page(&body)).into_response())
}

async fn advance(State(app): Shared, headers: HeaderMap, Form(form): Fields) -> Page {
    app.bound(&headers, "signon", &form)?;
    let (device, resend) = (form.get("device"), form.contains_key("resend"));
    let otp = form.get("code").map(|code| pingone_core::Otp::parse(code).ok());
    let next = match (app.take(&headers).await?, device, resend, otp) {
        (SignOnStage::DeviceSelectionRequired(stage), Some(id), ..) => {
            stage.select(&app.client, id).await.map(|s| (s.into(), ""))
        }
        (SignOnStage::OtpRequired(stage), _, true, _) => {
            stage.resend(&app.client).await.map(|s| (s.into(), "?notice=resent"))
        }
        (SignOnStage::OtpRequired(stage), _, _, Some(None)) => Ok((stage.into(), "?notice=invalid")),
        (SignOnStage::OtpRequired(stage), _, _, Some(Some(otp))) => match stage.submit_otp(&app.client, &otp).await {
            Ok(OtpOutcome::Completed(done)) => return app.finish(done).await,
            Ok(OtpOutcome::Rejected(r)) if r.expired => {
                r.state.resend(&app.client).await.map(|s| (s.into(), "?notice=expired"))
            }
            Ok(OtpOutcome::Rejected(r)) => {
                let left = r.remaining_attempts.map(|n| format!("&left={n}")).unwrap_or_default();
                return app.park(r.state.into(), &format!("?notice=wrong{left}")).await;
            }
            Err(e) => Err(e),
        },
        _ => return Err(oops(include_str!("templates/start_over.html"), 409)),
    };
    let (stage, query) = next.map_err(|e| failure(&e))?;
    app.park(stage, query).await
}

async fn sign_out(State(app): Shared, headers: HeaderMap, Form(form): Fields) -> Page {
    // Ends the app's session, then PingOne's (its `ST` session cookie travels in `Tokens`), so
    // that the next sign-on asks for the code again.
    let tokens = app.accounts.lock().await.remove(&app.bound(&headers, "session", &form)?);
    if let Some(tokens) = tokens {
        app.client.sign_off(&tokens, None, None).await.map_err(|e| failure(&e))?;
    }
    Ok(([app.set("session", None)], Redirect::to("/")).into_response())
}

/// Simulator mode only: the e-mails the simulator "sent", newest first, so a person can sign on.
async fn mailbox(State(app): Shared) -> Page {
    let outbox = app.outbox.as_ref().ok_or_else(|| StatusCode::NOT_FOUND.into_response())?;
    let mail = include_str!("templates/mail.html");
    let each = |m: &pingone_sim::Email| fill(mail, &[("to", &m.to), ("at", &m.sent_at), ("body", &m.body)]);
    let mail: String = outbox.messages().iter().rev().map(each).collect();
    Ok(app.page(&include_str!("templates/mailbox.html").replace("{{!mail}}", &mail)))
}

impl App {
    async fn take(&self, headers: &HeaderMap) -> Result<SignOnStage, Response> {
        let token = self.cookie(headers, "signon").ok_or_else(|| lost(&SessionError::Missing))?;
        self.sessions.take(&token).await.map_err(|e| lost(&e))
    }

    /// Parks the next stage under a new token and sends the browser to its page.
    async fn park(&self, stage: SignOnStage, query: &str) -> Page {
        let token = self.sessions.park(stage).await.map_err(|e| lost(&e))?;
        Ok(([self.set("signon", Some(token.secret()))], Redirect::to(&format!("/signon{query}"))).into_response())
    }

    /// Resumes and exchanges: the verified claims become the app's session.
    async fn finish(&self, done: Completed) -> Page {
        let tokens = done.finish(&self.client).await.map_err(|e| failure(&e))?;
        let id = random().ok_or_else(|| oops(UNAVAILABLE, 503))?;
        self.accounts.lock().await.insert(id.clone(), tokens);
        Ok((AppendHeaders([self.set("session", Some(&id)), self.set("signon", None)]), Redirect::to("/"))
            .into_response())
    }

    fn set(&self, name: &str, value: Option<&str>) -> (header::HeaderName, String) {
        (header::SET_COOKIE, self.cookies.set_cookie(name, value))
    }

    fn cookie(&self, headers: &HeaderMap, name: &str) -> Option<String> {
        self.cookies.find(headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()), name)
    }

    /// The cookie, when the form's CSRF token was made from it; otherwise the form belongs to an
    /// earlier stage or another tab (or was forged): nothing is done.
    fn bound(&self, headers: &HeaderMap, name: &str, form: &HashMap<String, String>) -> Result<String, Response> {
        let token = form.get("csrf").map_or("", String::as_str);
        let value = self.cookie(headers, name).filter(|v| self.sessions.csrf_matches(v, token));
        value.ok_or_else(|| oops(include_str!("templates/other_tab.html"), 409))
    }

    fn page(&self, body: &str) -> Response {
        html(StatusCode::OK, body, if self.outbox.is_some() { include_str!("templates/simulator.html") } else { "" })
    }
}

fn signed_in(c: &pingone_flow::IdTokenClaims, csrf: &str) -> String {
    let name = c.display_name();
    // Up to the year 9999 (what an HTTP date can show): `auth_time` comes from the network.
    let at = c.auth_time.filter(|t| *t < 253_402_300_800).map(|t| UNIX_EPOCH + Duration::from_secs(t));
    let at = at.map(httpdate::fmt_http_date).unwrap_or_default();
    let acr = c.acr.as_deref().map(|acr| fill(include_str!("templates/acr.html"), &[("acr", acr)])).unwrap_or_default();
    let (email, amr) = (c.email.as_deref().unwrap_or_default(), c.amr.join(" "));
    let vars = [("name", name.as_str()), ("email", email), ("amr", &amr), ("at", &at), ("csrf", csrf)];
    fill(include_str!("templates/account.html"), &vars).replace("{{!acr}}", &acr)
}

const UNAVAILABLE: &str = include_str!("templates/unavailable.html");
const OUT_OF_DATE: &str = include_str!("templates/out_of_date.html");
const EXPIRED: &str = include_str!("templates/expired.html");

/// The page for a failed step: the error says how to recover.
fn failure(e: &FlowError) -> Response {
    tracing::warn!(error = %e, "sign-on step failed");
    match (e.recovery(), e) {
        (Recovery::Locked { unlock_in }, _) => {
            // When PingOne does not say, the policy's cool-down is the longest the lock can last.
            let wait = format!("{} minute(s)", unlock_in.unwrap_or(POLICY.lock_for).as_secs().div_ceil(60));
            oops(&fill(include_str!("templates/locked.html"), &[("wait", &wait)]), 429)
        }
        (_, FlowError::StaleStage { .. }) => oops(OUT_OF_DATE, 409),
        (_, FlowError::Expired { .. }) => oops(EXPIRED, 410),
        (Recovery::Retry, _) => oops(include_str!("templates/retry.html"), 503),
        (Recovery::StartOver, _) => oops(include_str!("templates/start_over.html"), 409),
        _ => oops(UNAVAILABLE, 503),
    }
}

/// The page for a stage that could not be taken back.
fn lost(e: &SessionError) -> Response {
    tracing::warn!(error = %e, recovery = ?e.recovery(), "no stage to take or park (the sign-on store failed?)");
    match e {
        SessionError::Missing => oops(OUT_OF_DATE, 409),
        SessionError::Open(OpenError::Expired { .. }) => oops(EXPIRED, 410),
        e if e.is_start_over() => oops(include_str!("templates/start_over.html"), 400),
        _ => oops(UNAVAILABLE, 503),
    }
}

fn oops(body: &str, status: u16) -> Response {
    html(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body, "")
}

/// Every page: never cached (the back button asks the server again), never framed, no scripts.
fn html(status: StatusCode, body: &str, mailbox: &str) -> Response {
    let page = include_str!("templates/layout.html").replace("{{!mailbox}}", mailbox).replace("{{!body}}", body);
    let headers = [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")];
    (status, headers, [(header::CONTENT_SECURITY_POLICY, CSP)], Html(page)).into_response()
}

/// Replaces each `{{name}}` with its value, HTML-escaped (`{` too: a value never names a placeholder).
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let escape = |v: &str| v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let escape = |v: &str| escape(v).replace('\'', "&#39;").replace('{', "&#123;");
    vars.iter()
        .fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), &escape(value)))
}
