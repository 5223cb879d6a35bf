//! The flow resource as PingOne returns it, decoded defensively.

use serde::Deserialize;

/// A device the flow offers, with its address masked by PingOne.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct DeviceOption {
    /// The device ID (pass it to `select`).
    pub id: String,
    /// `EMAIL`, `SMS`, ...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The masked e-mail address, for `EMAIL`.
    #[serde(default)]
    pub email: Option<String>,
    /// The masked phone number, for `SMS` and `VOICE`.
    #[serde(default)]
    pub phone: Option<String>,
}

impl DeviceOption {
    /// The masked address (e-mail or phone), if any.
    #[must_use]
    pub fn masked_address(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone.as_deref())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Embedded {
    #[serde(default)]
    pub devices: Vec<DeviceOption>,
    #[serde(default)]
    pub selected_device: Option<IdOnly>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdOnly {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct FlowErrorBody {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AuthorizeResponse {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

/// `GET/POST {auth}/{envID}/flows/{flowID}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FlowResponse {
    pub id: String,
    pub status: String,
    #[serde(rename = "_links", default)]
    pub links: serde_json::Map<String, serde_json::Value>,
    #[serde(rename = "_embedded", default)]
    pub embedded: Embedded,
    #[serde(default)]
    pub error: Option<FlowErrorBody>,
    #[serde(default)]
    pub authorize_response: Option<AuthorizeResponse>,
}

impl FlowResponse {
    pub(crate) fn offers(&self, action: &str) -> bool {
        self.links.contains_key(action)
    }
}

/// Decodes a flow body; never panics, whatever the bytes.
///
/// # Errors
/// The decoder's message.
pub fn decode_flow(body: &[u8]) -> Result<(String, String), String> {
    serde_json::from_slice::<FlowResponse>(body).map(|f| (f.id, f.status)).map_err(|e| e.to_string())
}
