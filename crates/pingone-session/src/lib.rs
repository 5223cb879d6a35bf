//! # pingone-session
//!
//! Where a PingOne sign-on waits between two HTTP requests of a web app: each stage is sealed
//! (`pingone_flow::StageSealer`: encrypted, authenticated, bound to the app and environment,
//! with a maximum age) and parked in a [`FlowStore`] whose atomic [`take`](FlowStore::take)
//! makes it single-use across processes — or carried by the browser in a cookie.
//!
//! ```no_run
//! use std::sync::Arc;
//! use pingone_flow::{KeyRing, SealingKey, SignOnClient, SignOnStage, StageSealer};
//! use pingone_session::{MemoryStore, SignOnSessions};
//!
//! # async fn run(client: SignOnClient) -> Result<(), Box<dyn std::error::Error>> {
//! let sealer = StageSealer::new(&client, KeyRing::new(SealingKey::generate()?));
//! let sessions = SignOnSessions::with_store(sealer, Arc::new(MemoryStore::new()));
//!
//! // Request 1: start the sign-on, park the stage, give the browser the token (in a cookie).
//! let token = sessions.park(client.authorize().await?).await?;
//!
//! // Request 2 (any instance sharing the store): take the stage back, exactly once.
//! match sessions.take(token.secret()).await? {
//!     SignOnStage::Authorized(stage) => { let _next = stage.submit_username(&client, "ada").await?; }
//!     other => println!("the form does not fit the stage {}", other.stage_name()),
//! }
//! // A second take of the same token fails: the stage was used.
//! assert!(sessions.take(token.secret()).await.is_err());
//! # Ok(()) }
//! ```
//!
//! Which carrier: one instance → [`MemoryStore`]; several instances → `RedisStore` (feature
//! `redis`); no server-side state → [`SignOnSessions::in_cookie`], where each instance remembers
//! the seals it has opened (until they expire) and refuses them a second time: single use holds
//! per process, not across instances or restarts (use a shared store for that).

mod cookies;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod sessions;
mod spent;
mod store;

pub use cookies::SessionCookies;
pub use memory::{DEFAULT_CAPACITY, MemoryStore};
#[cfg(feature = "redis")]
pub use redis_store::{DEFAULT_PREFIX, RedisStore};
pub use sessions::{COOKIE_LIMIT, SessionError, SessionToken, SignOnSessions, random_token};
pub use store::{FlowStore, MAX_TTL, StoreError, StoreFuture};
