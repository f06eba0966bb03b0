//! `ajet-chat`: ajet-chat on the command line.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    ajet_chat::main().await
}
