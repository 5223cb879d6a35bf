//! The pages. Each sign-on stage waits, sealed, in `SignOnSessions` (memory, Redis or the cookie
//! itself) under the `signon` cookie. Every form carries a CSRF token derived from the cookie it
//! was shown with, so a form is bound to its stage: a double submit, the back button or a second
//! tab gets a page that says so, never a 500.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, UNIX_EPOCH};

use aws_lc_rs::{constant_time::verify_slices_are_equal, digest};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::{Router, routing::get, routing::post};
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use pingone_flow::{AfterUsername, Completed, FlowError, IdTokenClaims, OpenError, OtpOutcome, Recovery};
use pingone_flow::{SignOnClient, SignOnStage};
use pingone_session::{SessionError, SignOnSessions};

const SIGNON: &str = "signon";
const SESSION: &str = "session";
/// The demo policy's limits (`EmailMfaSpec::demo`), mimicked for refused usernames.
const ATTEMPTS: u32 = 3;
const COOL_DOWN: Duration = Duration::from_secs(120);

pub(crate) struct App {
    pub(crate) client: SignOnClient,
    pub(crate) sessions: SignOnSessions,
    pub(crate) outbox: Option<pingone_sim::Outbox>,
    /// Cookies are `Secure` (HTTPS only) unless the site is on loopback.
    pub(crate) secure: bool,
    /// The app's own session (the verified claims of signed-in users). A real app keeps it in
    /// its framework's session layer, shared by its instances; this example keeps it in memory.
    pub(crate) accounts: Mutex<HashMap<String, IdTokenClaims>>,
    /// Refused usernames' flows: wrong codes entered so far, and since when (see `start`).
    pub(crate) decoys: Mutex<HashMap<String, (u32, Instant)>>,
}

type Page = Result<Response, Response>;
type Shared = State<Arc<App>>;

/// Every form's fields (each form sends some of them).
#[derive(serde::Deserialize)]
struct Fields {
    csrf: String,
    username: Option<String>,
    device: Option<String>,
    code: Option<String>,
    resend: Option<String>,
}

pub(crate) fn router(app: App) -> Router {
    Router::new()
        .route("/", get(home).post(start))
        .route("/signon", get(show).post(advance))
        .route("/signout", post(sign_out))
        .route("/mailbox", get(mailbox))
        .layer(axum::middleware::map_response(protect))
        .with_state(Arc::new(app))
}

/// No page is cached (the back button asks the server again), framed, or allowed scripts.
async fn protect(mut response: Response) -> Response {
    let csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
    for (name, value) in [(header::CACHE_CONTROL, "no-store"), (header::CONTENT_SECURITY_POLICY, csp)]
        .into_iter()
        .chain([(header::REFERRER_POLICY, "no-referrer"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")])
    {
        response.headers_mut().insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn home(State(app): Shared, headers: HeaderMap) -> Page {
    let session = cookie(&headers, SESSION).unwrap_or_default();
    if let Some(claims) = lock(&app.accounts).get(&session) {
        return Ok(app.page(&signed_in(claims, &csrf(&session))).into_response());
    }
    // Before a sign-on exists, the cookie holds a random value for the form's token to be bound to.
    let value = cookie(&headers, SIGNON).or_else(random).ok_or_else(unavailable)?;
    let body = fill(include_str!("templates/username.html"), &[("csrf", &csrf(&value))]);
    Ok(([app.set(SIGNON, Some(&value))], app.page(&body)).into_response())
}

async fn start(State(app): Shared, headers: HeaderMap, Form(form): Form<Fields>) -> Page {
    let _ = app.sessions.take(&bound(&headers, SIGNON, &form.csrf)?).await; // drops a sign-on in progress
    let authorized = app.client.authorize().await.map_err(|e| failure(&e))?;
    let username = form.username.unwrap_or_default();
    let stage = match authorized.submit_username(&app.client, username.trim()).await {
        Ok(submitted) => match submitted.next().map_err(|e| failure(&e))? {
            AfterUsername::OtpRequired(stage) => stage.into(),
            AfterUsername::DeviceSelectionRequired(stage) => stage.into(),
            AfterUsername::Completed(done) => return app.finish(done).await,
        },
        // No user enumeration: a refused username gets the same code page and the same answers
        // (counted here), but no code is ever sent. See README-section.md for what remains.
        Err(FlowError::UsernameRejected { state, .. }) => {
            let mut decoys = lock(&app.decoys);
            decoys.retain(|_, (_, since)| since.elapsed() < pingone_flow::DEFAULT_MAX_AGE);
            decoys.insert(state.flow_id().to_owned(), (0, Instant::now()));
            SignOnStage::Authorized(*state)
        }
        Err(e) => return Err(failure(&e)),
    };
    app.park(stage, "").await
}

/// The page of the stage waiting under the cookie (taken, shown, and parked under a new token).
async fn show(State(app): Shared, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Page {
    let stage = app.take(&headers).await?;
    let body = match &stage {
        SignOnStage::DeviceSelectionRequired(stage) => {
            let each = |c: &pingone_flow::DeviceChoice| {
                fill(include_str!("templates/choice.html"), &[("id", &c.id), ("label", &c.label)])
            };
            include_str!("templates/device.html")
                .replace("{{!choices}}", &stage.choices().iter().map(each).collect::<String>())
        }
        SignOnStage::OtpRequired(_) | SignOnStage::Authorized(_) => {
            let notice = match query.get("notice").map(String::as_str) {
                Some("wrong") if query.contains_key("left") => "That code is not right. {{left}} attempt(s) left.",
                Some("wrong") => "That code is not right.",
                Some("expired") => "That code had expired. We e-mailed you a new one.",
                Some("resent") => "We e-mailed you a new code.",
                Some("invalid") => "Enter the code from the e-mail: six digits.",
                _ => "",
            };
            let left = query.get("left").and_then(|n| n.parse::<u32>().ok()).unwrap_or_default().to_string();
            include_str!("templates/code.html").replace("{{notice}}", &fill(notice, &[("left", &left)]))
        }
        _ => return Err(message(include_str!("templates/start_over.html"), StatusCode::CONFLICT)),
    };
    let token = app.sessions.park(stage).await.map_err(|e| lost(&e))?;
    let body = fill(&body, &[("csrf", &csrf(token.secret()))]);
    Ok(([app.set(SIGNON, Some(token.secret()))], app.page(&body)).into_response())
}

async fn advance(State(app): Shared, headers: HeaderMap, Form(form): Form<Fields>) -> Page {
    bound(&headers, SIGNON, &form.csrf)?;
    let otp = form.code.as_deref().map(parse_otp);
    let next = match (app.take(&headers).await?, form.device, form.resend, otp) {
        (SignOnStage::DeviceSelectionRequired(stage), Some(id), ..) => {
            stage.select(&app.client, &id).await.map(|s| (s.into(), String::new()))
        }
        (SignOnStage::OtpRequired(stage), _, Some(_), _) => {
            stage.resend(&app.client).await.map(|s| (s.into(), "?notice=resent".into()))
        }
        (SignOnStage::OtpRequired(stage), _, _, Some(None)) => Ok((stage.into(), "?notice=invalid".into())),
        (SignOnStage::OtpRequired(stage), _, _, Some(Some(otp))) => match stage.submit_otp(&app.client, &otp).await {
            Ok(OtpOutcome::Completed(done)) => return app.finish(done).await,
            Ok(OtpOutcome::Rejected(r)) if r.expired => {
                r.state.resend(&app.client).await.map(|s| (s.into(), "?notice=expired".into()))
            }
            Ok(OtpOutcome::Rejected(r)) => {
                let left = r.remaining_attempts.map(|n| format!("&left={n}")).unwrap_or_default();
                Ok((r.state.into(), format!("?notice=wrong{left}")))
            }
            Err(e) => Err(e),
        },
        // A refused username's decoy answers like `OtpRequired` above.
        (SignOnStage::Authorized(stage), _, resend, otp) => {
            let mut decoys = lock(&app.decoys);
            let failures = decoys.get(stage.flow_id()).map_or(ATTEMPTS, |(n, _)| n + 1);
            let notice = match (resend, otp) {
                (Some(_), _) => "?notice=resent".to_owned(),
                (_, Some(Some(_))) if failures >= ATTEMPTS => {
                    decoys.remove(stage.flow_id());
                    return Err(failure(&FlowError::Locked { unlock_in: Some(COOL_DOWN) }));
                }
                (_, Some(Some(_))) => {
                    decoys.insert(stage.flow_id().to_owned(), (failures, Instant::now()));
                    format!("?notice=wrong&left={}", ATTEMPTS - failures)
                }
                _ => "?notice=invalid".to_owned(),
            };
            Ok((stage.into(), notice))
        }
        _ => return Err(message(include_str!("templates/start_over.html"), StatusCode::CONFLICT)),
    };
    let (stage, query) = next.map_err(|e| failure(&e))?;
    app.park(stage, &query).await
}

async fn sign_out(State(app): Shared, headers: HeaderMap, Form(form): Form<Fields>) -> Page {
    // Ends the app's session only. TODO(#17): also end the PingOne session with a sign-off.
    lock(&app.accounts).remove(&bound(&headers, SESSION, &form.csrf)?);
    Ok(([app.set(SESSION, None)], Redirect::to("/")).into_response())
}

/// Simulator mode only: the e-mails the simulator "sent", newest first, so a person can sign on.
async fn mailbox(State(app): Shared) -> Page {
    let outbox = app.outbox.as_ref().ok_or_else(|| StatusCode::NOT_FOUND.into_response())?;
    let each = |m: &pingone_sim::Email| {
        fill(include_str!("templates/mail.html"), &[("to", &m.to), ("at", &m.sent_at), ("body", &m.body)])
    };
    let mail: String = outbox.messages().iter().rev().map(each).collect();
    Ok(app.page(&include_str!("templates/mailbox.html").replace("{{!mail}}", &mail)).into_response())
}

impl App {
    async fn take(&self, headers: &HeaderMap) -> Result<SignOnStage, Response> {
        let token = cookie(headers, SIGNON).ok_or_else(|| lost(&SessionError::Missing))?;
        self.sessions.take(&token).await.map_err(|e| lost(&e))
    }

    /// Parks the next stage under a new token and sends the browser to its page.
    async fn park(&self, stage: SignOnStage, query: &str) -> Page {
        let token = self.sessions.park(stage).await.map_err(|e| lost(&e))?;
        Ok(([self.set(SIGNON, Some(token.secret()))], Redirect::to(&format!("/signon{query}"))).into_response())
    }

    /// Resumes and exchanges: the verified claims become the app's session.
    async fn finish(&self, done: Completed) -> Page {
        let tokens = done.finish(&self.client).await.map_err(|e| failure(&e))?;
        let id = random().ok_or_else(unavailable)?;
        lock(&self.accounts).insert(id.clone(), tokens.claims);
        Ok((AppendHeaders([self.set(SESSION, Some(&id)), self.set(SIGNON, None)]), Redirect::to("/")).into_response())
    }

    fn set(&self, name: &str, value: Option<&str>) -> (header::HeaderName, String) {
        let (value, secure) =
            (value.map_or_else(|| "; Max-Age=0".into(), str::to_owned), ["", "; Secure"][usize::from(self.secure)]);
        (header::SET_COOKIE, format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"))
    }

    fn page(&self, body: &str) -> Html<String> {
        let mailbox = if self.outbox.is_some() { include_str!("templates/simulator.html") } else { "" };
        Html(include_str!("templates/layout.html").replace("{{!mailbox}}", mailbox).replace("{{!body}}", body))
    }
}

fn signed_in(c: &IdTokenClaims, csrf: &str) -> String {
    let given = [c.given_name.as_deref(), c.family_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
    let name = c.name.clone().unwrap_or_else(|| given.join(" "));
    let at = c.auth_time.map(|t| httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(t))).unwrap_or_default();
    let acr = c.acr.as_deref().map(|acr| fill(include_str!("templates/acr.html"), &[("acr", acr)])).unwrap_or_default();
    let email = c.email.as_deref().unwrap_or_default();
    let vars = [("name", name.as_str()), ("email", email), ("amr", &c.amr.join(" ")), ("at", &at), ("csrf", csrf)];
    fill(include_str!("templates/account.html"), &vars).replace("{{!acr}}", &acr)
}

/// The page for a failed step: the error says how to recover.
fn failure(e: &FlowError) -> Response {
    tracing::warn!(error = %e, "sign-on step failed");
    match (e.recovery(), e) {
        (Recovery::Locked { unlock_in }, _) => {
            let wait = unlock_in.map_or("a few minutes".into(), |d| format!("{} minute(s)", d.as_secs().div_ceil(60)));
            message(&fill(include_str!("templates/locked.html"), &[("wait", &wait)]), StatusCode::TOO_MANY_REQUESTS)
        }
        (_, FlowError::StaleStage { .. }) => message(include_str!("templates/out_of_date.html"), StatusCode::CONFLICT),
        (_, FlowError::Expired { .. }) => message(include_str!("templates/expired.html"), StatusCode::GONE),
        (Recovery::Retry, _) => message(include_str!("templates/retry.html"), StatusCode::SERVICE_UNAVAILABLE),
        (Recovery::StartOver, _) => message(include_str!("templates/start_over.html"), StatusCode::CONFLICT),
        _ => unavailable(),
    }
}

/// The page for a stage that could not be taken back.
fn lost(e: &SessionError) -> Response {
    match e {
        SessionError::Missing => message(include_str!("templates/out_of_date.html"), StatusCode::CONFLICT),
        SessionError::Open(OpenError::Expired { .. }) => {
            message(include_str!("templates/expired.html"), StatusCode::GONE)
        }
        e if e.is_start_over() => message(include_str!("templates/start_over.html"), StatusCode::BAD_REQUEST),
        e => {
            tracing::error!(error = %e, "the sign-on store failed");
            unavailable()
        }
    }
}

fn unavailable() -> Response {
    message(include_str!("templates/unavailable.html"), StatusCode::SERVICE_UNAVAILABLE)
}

fn message(body: &str, status: StatusCode) -> Response {
    (status, Html(include_str!("templates/layout.html").replace("{{!mailbox}}", "").replace("{{!body}}", body)))
        .into_response()
}

/// Replaces each `{{name}}` with its value, HTML-escaped (`{` too: a value never names a placeholder).
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let escape = |v: &str| {
        v.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
            .replace('{', "&#123;")
    };
    vars.iter()
        .fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{{{name}}}}}"), &escape(value)))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut all =
        headers.get_all(header::COOKIE).into_iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';'));
    all.find_map(|c| Some(c.trim().strip_prefix(name)?.strip_prefix('=')?.to_owned()))
}

/// The cookie, when the form's CSRF token was made from it; otherwise the form belongs to an
/// earlier stage or another tab (or was forged): nothing is done.
fn bound(headers: &HeaderMap, name: &str, token: &str) -> Result<String, Response> {
    let value = cookie(headers, name).filter(|v| verify_slices_are_equal(csrf(v).as_bytes(), token.as_bytes()).is_ok());
    value.ok_or_else(|| message(include_str!("templates/other_tab.html"), StatusCode::CONFLICT))
}

/// A CSRF token bound to a cookie value: a hash, so the value itself never appears in a page.
fn csrf(cookie_value: &str) -> String {
    let hash = digest::digest(&digest::SHA256, format!("web_signon csrf\0{cookie_value}").as_bytes());
    URL_SAFE_NO_PAD.encode(hash.as_ref().get(..16).unwrap_or_default())
}

fn random() -> Option<String> {
    let mut bytes = [0u8; 32];
    aws_lc_rs::rand::fill(&mut bytes).ok().map(|()| URL_SAFE_NO_PAD.encode(bytes))
}

/// The code typed into the form (switches to `Otp::parse` once it lands).
fn parse_otp(code: &str) -> Option<pingone_core::Otp> {
    let code = code.trim();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| pingone_core::Otp::new(code))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
