//! `td-fake [--port N]`: serves the fake TD API on 127.0.0.1 (port 0 = any free port), prints
//! `td-fake: listening on http://127.0.0.1:PORT` and nothing else, and exits when stdin reaches
//! EOF — so a test harness that dies (and closes the pipe) takes the fake with it.

use std::io::{self, Write};
use std::process::ExitCode;
use td_fake::{FakeTd, Options};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => Some(0),
        ["--port", n] => n.parse().ok(),
        [arg] => arg.strip_prefix("--port=").and_then(|n| n.parse().ok()),
        _ => None,
    };
    let Some(port) = port else {
        eprintln!("usage: td-fake [--port N]");
        return ExitCode::from(2);
    };
    let fake = match FakeTd::start_with(Options {
        port,
        ..Options::default()
    }) {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("td-fake: cannot bind 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = io::stdout().lock();
    if writeln!(out, "td-fake: listening on {}", fake.base_url())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    // Not joined: the process exits (ending the server threads) once stdin is closed.
    std::thread::spawn(|| {
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
        std::process::exit(0);
    });
    loop {
        std::thread::park();
    }
}
