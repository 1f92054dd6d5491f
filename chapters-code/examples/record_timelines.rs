//! Records a chapter's timelines and prints them as JSON: `cargo xtask
//! timelines` runs this in a release build, so the pictures show optimised
//! code, as the timing tables do.
//!
//! ```console
//! cargo run --release -p chapters-code --example record_timelines -- ch03
//! ```

use std::io::Write;
use std::process::ExitCode;

use chapters_code::registry::CHAPTERS;

fn main() -> ExitCode {
    let with_timelines: Vec<&str> = CHAPTERS
        .iter()
        .filter(|material| material.timelines.is_some())
        .map(|material| material.key)
        .collect();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key] = args.as_slice() else {
        eprintln!(
            "usage: record_timelines CHAPTER, one of {}",
            with_timelines.join(", ")
        );
        return ExitCode::from(2);
    };
    let Some(spec) = CHAPTERS
        .iter()
        .find(|material| material.key == key)
        .and_then(|material| material.timelines)
    else {
        eprintln!(
            "record_timelines: `{key}` records no timelines: the chapters that do are {}",
            with_timelines.join(", ")
        );
        return ExitCode::from(2);
    };
    let pictures = (spec.record)();
    for picture in &pictures {
        eprintln!("recorded {key} {}: {}", picture.name, picture.title);
    }
    let json =
        serde_json::to_string(&pictures).expect("a recording is plain data");
    let _ = writeln!(std::io::stdout(), "{json}");
    ExitCode::SUCCESS
}
