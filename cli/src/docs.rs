//! Documentation the executable carries: shell completions and the man page.

use clap::CommandFactory;

use crate::args::{Args, Shell};

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: Shell) -> anyhow::Result<()> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Elvish => S::Elvish,
        Shell::Powershell => S::PowerShell,
    };
    clap_complete::generate(
        shell,
        &mut Args::command(),
        "ajet-chat",
        &mut std::io::stdout(),
    );
    Ok(())
}

/// Writes the man page (roff) to stdout.
pub fn man() -> anyhow::Result<()> {
    clap_mangen::Man::new(Args::command()).render(&mut std::io::stdout())?;
    Ok(())
}

/// The exit status for an error: see the `Exit status` list of `--help`.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    use ajet_core::ErrorCode;
    let Some(sdk) = err
        .chain()
        .find_map(|e| e.downcast_ref::<ajet_sdk::Error>())
    else {
        let text = err.to_string();
        return if text.starts_with("not signed in") {
            3
        } else {
            1
        };
    };
    match sdk {
        ajet_sdk::Error::Transport(_) => 5,
        _ => match sdk.code() {
            Some(ErrorCode::Unauthorized) => 3,
            Some(ErrorCode::NotFound) => 4,
            _ => 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed_and_documented() {
        Args::command().debug_assert();
        let mut page = Vec::new();
        clap_mangen::Man::new(Args::command())
            .render(&mut page)
            .unwrap();
        assert!(String::from_utf8(page).unwrap().contains("tui"));
        let mut script = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Args::command(),
            "ajet-chat",
            &mut script,
        );
        assert!(String::from_utf8(script).unwrap().contains("completions"));
    }

    #[test]
    fn errors_map_to_the_documented_exit_codes() {
        let unauthorized = ajet_sdk::Error::Api {
            status: 401,
            body: ajet_core::ErrorBody::new(ajet_core::ErrorCode::Unauthorized, "no"),
        };
        assert_eq!(exit_code(&anyhow::Error::new(unauthorized)), 3);
        let missing = ajet_sdk::Error::Api {
            status: 404,
            body: ajet_core::ErrorBody::new(ajet_core::ErrorCode::NotFound, "no"),
        };
        assert_eq!(
            exit_code(&anyhow::Error::new(missing).context("reading")),
            4
        );
        assert_eq!(exit_code(&anyhow::anyhow!("not signed in: run it")), 3);
        assert_eq!(exit_code(&anyhow::anyhow!("other")), 1);
    }
}
