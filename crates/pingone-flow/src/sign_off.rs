//! Sign-off (`{auth}/{envID}/as/signoff`): ends the PingOne session (`ST`) a sign-on left, so
//! that the next sign-on asks for everything again.
//!
//! Two ways, by who holds PingOne's session cookie:
//!
//! - This client drove the sign-on (the usual embedded flow: the browser only ever talked to
//!   your application): the cookie is in the [`Tokens`], and [`SignOnClient::sign_off`] sends it
//!   from the server. Then send the browser to your own signed-out page.
//! - The browser drove it (PingOne's hosted pages): the browser holds the cookie, so send it to
//!   [`SignOnClient::sign_off_url`]; PingOne redirects it to the post-logout redirect URI.

use pingone_core::{ApiRequest, IdToken, Method, Operation, Url};
use tracing::Instrument as _;

use crate::client::{SignOnClient, redacted_location, resolve_location};
use crate::error::FlowError;
use crate::tokens::Tokens;

/// Ending the PingOne session.
pub(crate) const SIGN_OFF: Operation = Operation::SignOff;

/// PingOne's answer to a sign-off.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignOff {
    /// Where PingOne sends the browser next: the post-logout redirect URI with the `state`,
    /// when one was given; `None` when PingOne answered with its own page.
    pub redirect: Option<Url>,
}

impl SignOnClient {
    /// The URL that signs the browser off PingOne: `{auth}/{envID}/as/signoff` with
    /// `id_token_hint`, and the `post_logout_redirect_uri` (registered on the application:
    /// `postLogoutRedirectUris`) and `state` when given. For a browser that holds PingOne's
    /// session cookie (hosted sign-on pages); PingOne then redirects it to the post-logout URI
    /// with the `state`, which your application checks on arrival.
    #[must_use]
    pub fn sign_off_url(&self, id_token: &IdToken, post_logout_redirect_uri: Option<&str>, state: Option<&str>) -> Url {
        let mut url = self.auth_url(&["as", "signoff"]);
        url.query_pairs_mut().append_pair("id_token_hint", id_token.secret());
        if let Some(uri) = post_logout_redirect_uri {
            url.query_pairs_mut().append_pair("post_logout_redirect_uri", uri);
        }
        if let Some(state) = state {
            url.query_pairs_mut().append_pair("state", state);
        }
        url
    }

    /// Signs off from the server, for a sign-on this client drove: sends the sign-off request
    /// with the ID token as the hint and PingOne's session cookie kept in `tokens` (the browser
    /// never had it), so that PingOne ends that session. The redirect is not followed: it is
    /// returned in [`SignOff::redirect`], checked to be `post_logout_redirect_uri`.
    ///
    /// # Errors
    /// [`FlowError::Http`] when PingOne refuses (`400`: an unregistered post-logout URI, a hint
    /// for another user than the session's, a disabled application); [`FlowError::UnexpectedRedirect`]
    /// for a redirect elsewhere than `post_logout_redirect_uri`; transport errors.
    pub async fn sign_off(
        &self,
        tokens: &Tokens,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<SignOff, FlowError> {
        let url = self.sign_off_url(&tokens.id_token, post_logout_redirect_uri, state);
        let cookies = tokens.session.0.header_for(&url, self.inner.clock.now());
        let request = ApiRequest::new(SIGN_OFF, Method::GET, url.clone()).cookies(&cookies)?;
        let span = tracing::info_span!("pingone.flow", operation = %SIGN_OFF);
        let response = self.inner.http.execute(&request).instrument(span).await?;
        match response.status() {
            302 | 303 => {
                let location = resolve_location(&response, &url, &SIGN_OFF)?;
                let expected = post_logout_redirect_uri.and_then(|uri| Url::parse(uri).ok());
                let allowed = expected.is_some_and(|e| crate::redirect::is_redirect_uri(&location, &e));
                if !allowed {
                    return Err(FlowError::UnexpectedRedirect {
                        operation: SIGN_OFF,
                        location: redacted_location(&location),
                    });
                }
                Ok(SignOff { redirect: Some(location) })
            }
            status if (200..300).contains(&status) => Ok(SignOff { redirect: None }),
            _ => Err(response.into_error().into()),
        }
    }
}
