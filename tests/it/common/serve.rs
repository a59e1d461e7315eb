//! Starting a stand-in server (Slack, an LLM endpoint) on a random local port.

use std::net::SocketAddr;

/// Serves `app` on a random port of 127.0.0.1 until the test process ends; its address.
pub async fn on_random_port(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    address
}
