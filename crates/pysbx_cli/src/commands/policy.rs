//! `pysbx policy`: check a sandbox policy file, or print the effective policy.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

/// Arguments of `pysbx policy`.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    pub(crate) command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Validate policy files; exit 2 with `file:line:col` on the first error of each.
    Check {
        /// Policy files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the effective policy (defaults filled in) as JSON.
    Show {
        /// A policy file; without one, the default policy.
        file: Option<PathBuf>,
    },
}

pub(crate) fn run(args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        PolicyCommand::Check { files } => {
            let mut failed = false;
            for file in files {
                match pysbx_sandbox::policy::load_policy_file(file) {
                    Ok(_) => println!("{}: ok", file.display()),
                    Err(err) => {
                        eprintln!("{err}");
                        failed = true;
                    }
                }
            }
            Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        PolicyCommand::Show { file } => {
            let policy = match file {
                Some(file) => pysbx_sandbox::policy::load_policy_file(file)?,
                None => pysbx_sandbox::Policy::default(),
            };
            println!("{}", serde_json::to_string_pretty(&policy)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}
