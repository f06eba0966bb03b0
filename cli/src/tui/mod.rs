//! `ajet-chat tui`: the interactive terminal client.
//!
//! One event loop. Keys, mouse, paste and resizes (from a reader thread), the live stream
//! and the answers of network calls (from tokio tasks) all arrive as [`action::Action`]s on
//! one channel; [`update::update`] changes the [`state::State`] and returns effects; the
//! screen is drawn from the state alone ([`ui::draw`]), so a frame never waits on the
//! network. The terminal is restored on exit, on Ctrl+C, on SIGTERM and on panic.

pub mod action;
pub mod bench;
pub mod composer;
pub mod input;
pub mod keys;
pub mod markdown;
pub mod net;
pub mod state;
pub mod ui;
pub mod update;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ajet_sdk::Client;
use anyhow::Context;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event,
};
use ratatui::crossterm::execute;
use tokio::sync::mpsc;

use action::{Action, Effect};
use state::State;

/// Runs the client until the user quits.
pub async fn run(client: Client, keymap: keys::KeyMap) -> anyhow::Result<()> {
    let tz = *chrono::Local::now().offset();
    let mut state = State::new(client.base(), keymap, chrono::Utc::now(), tz);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut terminal = Terminal::enter()?;
    let size = terminal.inner.size()?;
    state.size = (size.width, size.height);

    let reader = Reader::start(tx.clone());
    net::start(&client, &tx);
    let signals = tx.clone();
    tokio::spawn(async move {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            term.recv().await;
            let _ = signals.send(Action::Key(event::KeyEvent::new(
                event::KeyCode::Char('c'),
                event::KeyModifiers::CONTROL,
            )));
        }
    });

    loop {
        terminal.inner.draw(|frame| ui::draw(frame, &state))?;
        let Some(first) = rx.recv().await else { break };
        let mut effects = update::update(&mut state, first);
        // Take whatever else is waiting before drawing again: a burst of events costs one
        // frame, not one each.
        for _ in 0..256 {
            match rx.try_recv() {
                Ok(action) => effects.extend(update::update(&mut state, action)),
                Err(_) => break,
            }
        }
        for effect in effects {
            match effect {
                Effect::Quit => state.quit = true,
                Effect::Bell => terminal.write(b"\x07"),
                Effect::Copy(text) => {
                    use base64::Engine;
                    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                    terminal.write(format!("\x1b]52;c;{b64}\x07").as_bytes());
                }
                Effect::Notify { title, body } => desktop_notification(&title, &body),
                Effect::OpenEditor(text) => {
                    reader.pause(true);
                    let result = terminal.suspended(|| edit_in_editor(&text));
                    reader.pause(false);
                    terminal.inner.clear()?;
                    let _ = tx.send(Action::Edited(result));
                }
                other => net::run(&client, &tx, other),
            }
        }
        if state.quit {
            break;
        }
    }
    reader.stop();
    drop(terminal);
    Ok(())
}

/// The terminal in raw mode on the alternate screen, with mouse and bracketed paste; put
/// back as it was when dropped, and by the panic hook.
struct Terminal {
    inner: DefaultTerminal,
}

impl Terminal {
    fn enter() -> anyhow::Result<Self> {
        let inner = ratatui::try_init().context("cannot take over the terminal")?;
        execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
        // ratatui's hook leaves raw mode and the alternate screen; mouse and paste too.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(
                std::io::stdout(),
                DisableMouseCapture,
                DisableBracketedPaste
            );
            previous(info);
        }));
        Ok(Self { inner })
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut out = std::io::stdout();
        let _ = out.write_all(bytes);
        let _ = out.flush();
    }

    /// Gives the terminal back while `f` runs (an editor), then takes it again.
    fn suspended<T>(&mut self, f: impl FnOnce() -> T) -> T {
        leave();
        let result = f();
        let _ = ratatui::crossterm::terminal::enable_raw_mode();
        let _ = execute!(
            std::io::stdout(),
            ratatui::crossterm::terminal::EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        );
        result
    }
}

fn leave() {
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste
    );
    ratatui::restore();
}

impl Drop for Terminal {
    fn drop(&mut self) {
        leave();
    }
}

/// Reads terminal input on a thread of its own (crossterm's reads block) and sends it on
/// as actions. Paused while an editor owns the terminal.
struct Reader {
    paused: Arc<AtomicBool>,
    stopped: Arc<AtomicBool>,
}

impl Reader {
    fn start(tx: mpsc::UnboundedSender<Action>) -> Self {
        let paused = Arc::new(AtomicBool::new(false));
        let stopped = Arc::new(AtomicBool::new(false));
        let (p, s) = (paused.clone(), stopped.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if p.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(30));
                    continue;
                }
                match event::poll(Duration::from_millis(50)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(_) => return,
                }
                let action = match event::read() {
                    Ok(Event::Key(k)) => Action::Key(k),
                    Ok(Event::Mouse(m)) => Action::Mouse(m),
                    Ok(Event::Paste(text)) => Action::Paste(text),
                    Ok(Event::Resize(w, h)) => Action::Resize(w, h),
                    Ok(_) => continue,
                    Err(_) => return,
                };
                if tx.send(action).is_err() {
                    return;
                }
            }
        });
        Self { paused, stopped }
    }

    fn pause(&self, on: bool) {
        self.paused.store(on, Ordering::Relaxed);
        if on {
            // Let a poll in progress finish before the editor reads the terminal.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

/// Edits `text` in `$VISUAL`/`$EDITOR` (vi when neither is set); the text saved.
fn edit_in_editor(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_owned());
    let path = std::env::temp_dir().join(format!("ajet-chat-{}.md", uuid::Uuid::new_v4()));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status();
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read what {program} saved: {e}")),
        Ok(s) => Err(format!("{program} failed ({s}); the message is unchanged")),
        Err(e) => Err(format!("cannot run {program}: {e} (set $EDITOR)")),
    };
    let _ = std::fs::remove_file(&path);
    result
}

/// A desktop notification through `notify-send`, where there is one; quietly nothing
/// elsewhere (the bell has already rung).
fn desktop_notification(title: &str, body: &str) {
    let _ = std::process::Command::new("notify-send")
        .args(["--app-name=ajet-chat", title, body])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
