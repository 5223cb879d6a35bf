//! The web section's load client: one user's sign-on through the `web_signon` example's pages,
//! as a browser without JavaScript would do it (no browser): the username form, the code form,
//! the signed-in page. It keeps the user's cookies, takes each form's CSRF token from the HTML
//! and reads the e-mailed passcode from the simulator's outbox.

use std::collections::HashMap;
use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

/// One user's cookies (name → value), as a browser keeps them for one site.
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    /// Keeps the cookies a response sets; `Max-Age=0` removes one.
    fn store(&mut self, response: &reqwest::Response) {
        for header in response.headers().get_all(SET_COOKIE) {
            let Ok(text) = header.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|pair| pair.trim().split_once('=')) else { continue };
            if parts.any(|attribute| attribute.trim().eq_ignore_ascii_case("Max-Age=0")) {
                self.0.remove(name);
            } else {
                self.0.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    fn header(&self) -> String {
        self.0.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
    }
}

/// The value of the form's hidden `csrf` field.
fn csrf_of(html: &str) -> Option<&str> {
    let after = html.split("name=\"csrf\" value=\"").nth(1)?;
    after.split('"').next()
}

/// The `h1` of a page, for failure messages.
fn heading(html: &str) -> &str {
    html.split("<h1>").nth(1).and_then(|h| h.split("</h1>").next()).unwrap_or("(no heading)")
}

/// A browser without a browser: one user's cookies on the sites it is sent to.
pub(crate) struct WebUser<'a> {
    http: &'a reqwest::Client,
    jar: Jar,
}

impl<'a> WebUser<'a> {
    pub(crate) fn new(http: &'a reqwest::Client) -> Self {
        Self { http, jar: Jar::default() }
    }

    async fn get(&mut self, url: &str) -> Result<(StatusCode, String), String> {
        let response =
            self.http.get(url).header(COOKIE, self.jar.header()).send().await.map_err(|e| format!("GET {url}: {e}"))?;
        self.jar.store(&response);
        let status = response.status();
        Ok((status, response.text().await.map_err(|e| format!("GET {url}: {e}"))?))
    }

    /// Posts a form; returns where it redirects to (the site answers each form with a 303).
    async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> Result<String, String> {
        let response = self
            .http
            .post(url)
            .header(COOKIE, self.jar.header())
            .form(form)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        self.jar.store(&response);
        let status = response.status();
        if status != StatusCode::SEE_OTHER {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("POST {url}: {status} ({})", heading(&body)));
        }
        let location = response.headers().get(LOCATION).and_then(|l| l.to_str().ok()).unwrap_or_default();
        Ok(location.to_owned())
    }

    /// The whole sign-on of `username`: `sites[i % sites.len()]` serves the i-th request (one
    /// site, or two instances sharing a store, taking turns), except that the signed-in page is
    /// asked of the instance that finished the sign-on (the example keeps the app's own session
    /// in memory). `otp` reads the passcode mailed once the username is posted.
    pub(crate) async fn sign_on<F, Fut>(&mut self, sites: &[String], username: &str, otp: F) -> Result<(), String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<String>>,
    {
        let site = |i: usize| sites.get(i % sites.len().max(1)).map_or("", String::as_str);
        let (status, page) = self.get(&format!("{}/", site(0))).await?;
        let csrf = csrf_of(&page).ok_or_else(|| format!("username page: {status} {}", heading(&page)))?.to_owned();
        let next = self.post(&format!("{}/", site(1)), &[("csrf", &csrf), ("username", username)]).await?;
        if next != "/signon" {
            return Err(format!("after the username: redirected to {next}"));
        }
        let (status, page) = self.get(&format!("{}/signon", site(2))).await?;
        if heading(&page) != "Check your e-mail" {
            return Err(format!("code page: {status} {}", heading(&page)));
        }
        let csrf = csrf_of(&page).ok_or("code page: no CSRF token")?.to_owned();
        let code = otp().await.ok_or("no e-mail")?;
        let finished_on = site(3);
        let next = self.post(&format!("{finished_on}/signon"), &[("csrf", &csrf), ("code", &code)]).await?;
        if next != "/" {
            return Err(format!("after the code: redirected to {next}"));
        }
        let (status, page) = self.get(&format!("{finished_on}/")).await?;
        if heading(&page) == "You are signed in" {
            Ok(())
        } else {
            Err(format!("signed-in page: {status} {}", heading(&page)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_and_heading_are_read_from_the_page() {
        let html = "<h1>Sign on</h1><form><input type=\"hidden\" name=\"csrf\" value=\"abc-_1\"></form>";
        assert_eq!(csrf_of(html), Some("abc-_1"));
        assert_eq!(heading(html), "Sign on");
        assert_eq!(csrf_of("<h1>Oops</h1>"), None);
        assert_eq!(heading("no heading"), "(no heading)");
    }
}
