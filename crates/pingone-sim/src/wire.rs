//! Wire helpers shared by every API: form and query strings, cookies, media types and
//! constant-time comparison.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

/// Parses `a=b&c=d` (query strings and `application/x-www-form-urlencoded` bodies). When a name
/// repeats, the first value wins.
pub(crate) fn parse_form(raw: &[u8]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in form_urlencoded::parse(raw) {
        out.entry(name.into_owned()).or_insert_with(|| Value::String(value.into_owned()));
    }
    out
}

/// One query parameter, decoded.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Decodes one form-encoded value (`+` is a space), as in the client ID and secret of HTTP Basic
/// client authentication (RFC 6749 §2.3.1).
pub(crate) fn form_decode(value: &str) -> String {
    percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// `base` with `params` appended to its query string.
pub(crate) fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    url.push(if base.contains('?') { '&' } else { '?' });
    let start = url.len();
    form_urlencoded::Serializer::for_suffix(url, start).extend_pairs(params).finish()
}

/// `name=value&...`, form-encoded.
pub(crate) fn query_string(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish()
}

/// A cookie's value from the request's `Cookie` headers.
///
/// Hand-written on purpose: a flow presents two or three `name=value` pairs and the simulator
/// only looks one up by name, which does not need a cookie crate's jar or attribute parsing.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// The request's media type: the `Content-Type` without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.split(';').next().unwrap_or_default().trim())
}

/// Whether the request's media type is `expected` (case-insensitive).
pub(crate) fn media_type_is(headers: &HeaderMap, expected: &str) -> bool {
    media_type(headers).is_some_and(|m| m.eq_ignore_ascii_case(expected))
}

/// Compares secrets without leaking where they differ (the lengths may leak).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_and_percent_and_keep_the_first_value() {
        let form = parse_form(b"a=1+2&b=%7E%20x&a=again&flag&bad=%%zz");
        assert_eq!(form["a"], "1 2");
        assert_eq!(form["b"], "~ x");
        assert_eq!(form["flag"], "");
        assert_eq!(form["bad"], "%%zz");
        assert_eq!(query_param(Some("x=1&filter=name%20eq%20%22a%22"), "filter").as_deref(), Some("name eq \"a\""));
        assert_eq!(query_param(None, "x"), None);
        assert_eq!(form_decode("my+id%3Aone"), "my id:one");
    }

    #[test]
    fn queries_are_appended_and_encoded() {
        assert_eq!(
            with_query("https://a.test/cb", &[("code", "x y"), ("state", "a&b")]),
            "https://a.test/cb?code=x+y&state=a%26b"
        );
        assert_eq!(with_query("https://a.test/cb?k=v", &[("code", "c")]), "https://a.test/cb?k=v&code=c");
        assert_eq!(
            query_string(&[("cursor", "b2=="), ("filter", "a eq \"b\"")]),
            "cursor=b2%3D%3D&filter=a+eq+%22b%22"
        );
    }

    #[test]
    fn cookies_media_types_and_comparison() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; interactionToken=xyz".parse().unwrap());
        headers.insert(header::CONTENT_TYPE, "Application/JSON; charset=utf-8".parse().unwrap());
        assert_eq!(cookie(&headers, "interactionToken"), Some("xyz"));
        assert_eq!(cookie(&headers, "ST"), None);
        assert!(media_type_is(&headers, "application/json"));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
