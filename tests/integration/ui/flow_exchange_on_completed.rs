// Tokens need the authorization code that only `resume` yields.
use pingone_flow::{Completed, SignOnClient};

async fn exchange_without_code(client: &SignOnClient, completed: Completed) {
    let _ = completed.exchange(client).await;
}

fn main() {}
