//! Runs the creature service standalone, for a workshop:
//! `cargo run -p chapters-code --bin creature-service -- --latency-ms 100`
//! prints the address; curl or a browser can then query it.

use std::process::ExitCode;

use chapters_code::creature_service::cli::{Command, USAGE, parse_args};
use chapters_code::creature_service::dataset::{
    DATASET_PATH, render_dataset_file, shipped,
};
use chapters_code::creature_service::{CreatureService, ServiceConfig};

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::WriteDataset) => write_dataset(),
        Ok(Command::Serve(config)) => serve(config),
        Err(error) => {
            eprintln!("creature-service: {error}");
            ExitCode::from(2)
        }
    }
}

fn write_dataset() -> ExitCode {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(DATASET_PATH);
    match std::fs::write(&path, render_dataset_file()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("creature-service: writing {}: {error}", path.display());
            ExitCode::FAILURE
        }
    }
}

fn serve(config: ServiceConfig) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("creature-service: starting the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let service = match CreatureService::start(config).await {
            Ok(service) => service,
            Err(error) => {
                eprintln!("creature-service: starting the service: {error}");
                return ExitCode::FAILURE;
            }
        };
        let url = service.base_url();
        println!("creature-service listening on {url}");
        println!("try: curl '{url}/creatures?page=1&per_page=5'");
        if let Some(first) = shipped().first() {
            println!("     curl {url}/creatures/{}", first.name);
        }
        println!("stop with Ctrl-C");
        // Runs until the process is interrupted: Ctrl-C's default action
        // ends it, and with it every connection.
        std::future::pending::<()>().await;
        ExitCode::SUCCESS
    })
}
