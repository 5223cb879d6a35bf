//! Step 8: populations, with PingOne's `filter` (on `id` and `name`) and `limit`/`cursor` paging.

use pingone_core::{ApiRequest, Error, Id, Method, ObjectKind, Operation, Step};
use serde::Deserialize;

use super::{JSON, ManagementClient, filter_value};
use crate::model::{Population, PopulationSpec};

/// A filter PingOne's populations list accepts (`filter=id eq "..."` or `filter=name eq "..."`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PopulationFilter {
    /// `id eq "..."`: the population with this ID.
    ById(Id<Population>),
    /// `name eq "..."`: populations with this name (PingOne compares case-insensitively).
    ByName(String),
}

impl PopulationFilter {
    /// The SCIM expression sent as `filter`.
    #[must_use]
    pub fn expression(&self) -> String {
        match self {
            PopulationFilter::ById(id) => format!("id eq \"{}\"", filter_value(id.as_str())),
            PopulationFilter::ByName(name) => format!("name eq \"{}\"", filter_value(name)),
        }
    }
}

/// One page of populations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PopulationPage {
    /// The populations on this page.
    pub populations: Vec<Population>,
    /// The `cursor` of the next page (from `_links.next`), or `None` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(rename = "_embedded", default)]
    embedded: Embedded,
    #[serde(rename = "_links", default)]
    links: Links,
}

#[derive(Deserialize, Default)]
struct Embedded {
    #[serde(default)]
    populations: Vec<Population>,
}

#[derive(Deserialize, Default)]
struct Links {
    #[serde(default)]
    next: Option<Link>,
}

#[derive(Deserialize)]
struct Link {
    href: String,
}

impl ManagementClient {
    /// Step 8: `POST /populations`.
    ///
    /// # Errors
    /// `400 INVALID_DATA` / `UNIQUENESS_VIOLATION` for a taken name; other errors as for every call.
    pub async fn create_population(&self, spec: &PopulationSpec) -> Result<Population, Error> {
        self.send_body(Step::CreatePopulation.into(), Method::POST, &["populations"], JSON, spec).await
    }

    /// `GET /populations?filter=...` (every page).
    ///
    /// # Errors
    /// As for every call (`400 INVALID_FILTER` for a filter PingOne does not support).
    pub async fn find_populations(&self, filter: &PopulationFilter) -> Result<Vec<Population>, Error> {
        let operation = match filter {
            PopulationFilter::ById(_) => Operation::List(ObjectKind::Population),
            PopulationFilter::ByName(_) => Operation::Find(ObjectKind::Population),
        };
        self.list_filtered(operation, &["populations"], "populations", &filter.expression()).await
    }

    /// `GET /populations?filter=name eq "..."` (every page).
    ///
    /// # Errors
    /// As for every call.
    pub async fn find_populations_by_name(&self, name: &str) -> Result<Vec<Population>, Error> {
        self.find_populations(&PopulationFilter::ByName(name.to_owned())).await
    }

    /// One page of `GET /populations`, optionally filtered, at most `limit` entries, from
    /// `cursor` (the [`PopulationPage::next_cursor`] of the page before; `None` for the first).
    ///
    /// # Errors
    /// As for every call (`400 INVALID_PARAMETER` for a bad `limit` or `cursor`);
    /// [`Error::Protocol`] when the next link is not a URL.
    pub async fn list_populations_page(
        &self,
        filter: Option<&PopulationFilter>,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<PopulationPage, Error> {
        let mut url = self.url(&["populations"]);
        {
            let mut query = url.query_pairs_mut();
            if let Some(filter) = filter {
                query.append_pair("filter", &filter.expression());
            }
            if let Some(limit) = limit {
                query.append_pair("limit", &limit.to_string());
            }
            if let Some(cursor) = cursor {
                query.append_pair("cursor", cursor);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let request = ApiRequest::new(Operation::List(ObjectKind::Population), Method::GET, url);
        let response = self.transport.send(request).await?;
        let page: RawPage = response.json()?;
        let next_cursor = match page.links.next {
            None => None,
            Some(link) => {
                let next = pingone_core::Url::parse(&link.href)
                    .map_err(|_| response.protocol_error("_links.next.href is not a URL"))?;
                let cursor = next.query_pairs().find(|(k, _)| k == "cursor").map(|(_, v)| v.into_owned());
                Some(cursor.ok_or_else(|| response.protocol_error("_links.next.href has no cursor"))?)
            }
        };
        Ok(PopulationPage { populations: page.embedded.populations, next_cursor })
    }

    /// `GET /populations/{id}`.
    ///
    /// # Errors
    /// As for every call.
    pub async fn read_population(&self, id: &Id<Population>) -> Result<Population, Error> {
        self.get(Operation::Read(ObjectKind::Population), &["populations", id.as_str()]).await
    }

    /// `GET /populations` (every page).
    ///
    /// # Errors
    /// As for every call.
    pub async fn list_populations(&self) -> Result<Vec<Population>, Error> {
        self.list(Operation::List(ObjectKind::Population), &["populations"], "populations").await
    }

    /// `DELETE /populations/{id}` (PingOne refuses while it has users).
    ///
    /// # Errors
    /// As for every call.
    pub async fn delete_population(&self, id: &Id<Population>) -> Result<(), Error> {
        self.delete(Operation::Delete(ObjectKind::Population), &["populations", id.as_str()]).await
    }
}
