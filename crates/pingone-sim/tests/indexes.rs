//! The store's indexes (username, names, a user's devices, a population's users) answer as
//! the scans they replaced: through renames, deletes and re-creates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, missing_docs)]

mod support;

use serde_json::{Value, json};
use support::*;

fn id(row: &Value) -> String {
    row["id"].as_str().unwrap().to_owned()
}

/// A complete device authentication policy named `name`.
fn device_policy(name: &str) -> Value {
    let otp = json!({ "lifeTime": { "duration": 30, "timeUnit": "MINUTES" },
        "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } });
    let app = json!({ "failure": { "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } } });
    json!({ "name": name, "default": false, "email": { "enabled": true, "otp": otp }, "sms": { "enabled": false, "otp": otp },
        "voice": { "enabled": false, "otp": otp }, "mobile": { "enabled": false, "otp": app }, "totp": { "enabled": false, "otp": app } })
}

#[tokio::test]
async fn names_are_unique_again_after_a_delete_and_a_re_create() {
    let h = Harness::start().await;
    for (path, body) in [
        ("users", json!({ "username": "ada", "email": "ada@example.test" })),
        ("populations", json!({ "name": "pop" })),
        ("signOnPolicies", json!({ "name": "Policy_A" })),
        ("deviceAuthenticationPolicies", device_policy("Mfa_A")),
    ] {
        let first = h.created(path, body.clone()).await;
        assert_eq!(h.post(path, body.clone()).await.detail_codes(), ["UNIQUENESS_VIOLATION"], "{path}");
        assert_eq!(h.delete(&format!("{path}/{}", id(&first))).await.status, 204, "{path}");
        let again = h.created(path, body.clone()).await;
        assert_ne!(id(&again), id(&first));
        // The same name in other case is still taken.
        let mut upper = body.clone();
        let field = if path == "users" { "username" } else { "name" };
        upper[field] = json!(body[field].as_str().unwrap().to_uppercase());
        assert_eq!(h.post(path, upper).await.detail_codes(), ["UNIQUENESS_VIOLATION"], "{path}");
    }
}

#[tokio::test]
async fn a_renamed_population_frees_its_old_name() {
    let h = Harness::start().await;
    let pop = h.created("populations", json!({ "name": "Before" })).await;
    let renamed = h.put(&format!("populations/{}", id(&pop)), "application/json", json!({ "name": "After" })).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    h.created("populations", json!({ "name": "before" })).await;
    assert_eq!(h.post("populations", json!({ "name": "AFTER" })).await.detail_codes(), ["UNIQUENESS_VIOLATION"]);
    let listed = h.get("populations?filter=name%20eq%20%22after%22").await;
    assert_eq!(listed.body["count"], 1);
    assert_eq!(listed.body["_embedded"]["populations"][0]["id"], pop["id"]);
}

#[tokio::test]
async fn a_username_filter_sees_creates_and_deletes() {
    let h = Harness::start().await;
    let ada = h.created("users", json!({ "username": "Ada", "email": "ada@example.test" })).await;
    h.created("users", json!({ "username": "adam", "email": "adam@example.test" })).await;
    let eq = h.get("users?filter=username%20eq%20%22ADA%22").await;
    assert_eq!(eq.body["count"], 1);
    assert_eq!(eq.body["_embedded"]["users"][0]["id"], ada["id"]);
    // `eq` on the username and another clause: both apply.
    let both = h.get("users?filter=username%20eq%20%22ada%22%20and%20email%20eq%20%22other%40example.test%22").await;
    assert_eq!(both.body["count"], 0);
    assert_eq!(h.get("users?filter=username%20sw%20%22ad%22").await.body["count"], 2);
    assert_eq!(h.delete(&format!("users/{}", id(&ada))).await.status, 204);
    assert_eq!(h.get("users?filter=username%20eq%20%22ada%22").await.body["count"], 0);
    assert_eq!(h.get("users?filter=username%20sw%20%22ad%22").await.body["count"], 1);
}

#[tokio::test]
async fn population_user_counts_follow_the_users() {
    let h = Harness::start().await;
    let pop = h.created("populations", json!({ "name": "counted" })).await;
    let pop_path = format!("populations/{}", id(&pop));
    let mut users = Vec::new();
    for n in 0..3 {
        users.push(
            h.created(
                "users",
                json!({ "username": format!("u{n}"), "email": "u@example.test", "population": { "id": pop["id"] } }),
            )
            .await,
        );
    }
    assert_eq!(h.get(&pop_path).await.body["userCount"], 3);
    assert_eq!(h.delete(&pop_path).await.detail_codes(), ["CONSTRAINT_VIOLATION"]);
    for user in &users {
        assert_eq!(h.delete(&format!("users/{}", id(user))).await.status, 204);
    }
    assert_eq!(h.get(&pop_path).await.body["userCount"], 0);
    assert_eq!(h.delete(&pop_path).await.status, 204);
}

#[tokio::test]
async fn a_users_devices_list_in_order_and_go_with_the_user() {
    let h = Harness::start().await;
    let ada = h.created("users", json!({ "username": "ada", "email": "ada@example.test" })).await;
    let bob = h.created("users", json!({ "username": "bob", "email": "bob@example.test" })).await;
    let devices = |user: &Value| format!("users/{}/devices", id(user));
    let mut ada_devices = Vec::new();
    for n in 0..5 {
        let email = format!("ada{n}@example.test");
        ada_devices.push(id(&h.created(&devices(&ada), json!({ "type": "EMAIL", "email": email })).await));
        h.created(&devices(&bob), json!({ "type": "EMAIL", "email": "bob@example.test" })).await;
    }
    let sixth = h.post(&devices(&ada), json!({ "type": "EMAIL", "email": "ada@example.test" })).await;
    assert_eq!(sixth.detail_codes(), ["SIZE_LIMIT_EXCEEDED"]);
    let listed = |reply: Reply| -> Vec<String> {
        reply.body["_embedded"]["devices"].as_array().unwrap().iter().map(id).collect()
    };
    assert_eq!(listed(h.get(&devices(&ada)).await), ada_devices);
    // A deleted device frees a place; the list keeps creation order.
    assert_eq!(h.delete(&format!("{}/{}", devices(&ada), ada_devices[1])).await.status, 204);
    ada_devices.remove(1);
    assert_eq!(listed(h.get(&devices(&ada)).await), ada_devices);
    h.created(&devices(&ada), json!({ "type": "EMAIL", "email": "ada5@example.test" })).await;
    // The user goes, and the devices with it; a new user of that name starts with none.
    assert_eq!(h.delete(&format!("users/{}", id(&ada))).await.status, 204);
    assert_eq!(h.get(&devices(&ada)).await.status, 404);
    assert_eq!(h.get(&format!("{}/{}", devices(&ada), ada_devices[0])).await.status, 404);
    let again = h.created("users", json!({ "username": "ada", "email": "ada@example.test" })).await;
    assert_eq!(h.get(&devices(&again)).await.body["count"], 0);
    assert_eq!(h.get(&devices(&bob)).await.body["count"], 5);
}
