//! The message composer: a multi-line text buffer with a cursor, and the history of what
//! was sent. Pure: keys are applied by [`super::update`], drawing is in [`super::ui`].

use unicode_width::UnicodeWidthChar;

/// The text being written and where the cursor stands in it (a byte offset on a char
/// boundary).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Composer {
    text: String,
    cursor: usize,
}

impl Composer {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the whole text, the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
    }

    /// Empties the buffer; what it held.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    /// Inserts pasted text as it is (line breaks included); `\r\n` and `\r` become `\n`.
    pub fn insert_str(&mut self, s: &str) {
        let clean = s.replace("\r\n", "\n").replace('\r', "\n");
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    pub fn backspace(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
            self.text.remove(self.cursor);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.text.len() {
            self.text.remove(self.cursor);
        }
    }

    pub fn left(&mut self) {
        if let Some(c) = self.text[..self.cursor].chars().next_back() {
            self.cursor -= c.len_utf8();
        }
    }

    pub fn right(&mut self) {
        if let Some(c) = self.text[self.cursor..].chars().next() {
            self.cursor += c.len_utf8();
        }
    }

    /// To the start of the current line.
    pub fn home(&mut self) {
        self.cursor = self.line_start();
    }

    /// To the end of the current line.
    pub fn end(&mut self) {
        self.cursor = self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i);
    }

    /// Deletes the word before the cursor (Ctrl+W).
    pub fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches([' ', '\t']);
        let start = trimmed
            .rfind(|c: char| c.is_whitespace())
            .map_or(0, |i| i + 1);
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes from the start of the line to the cursor (Ctrl+U).
    pub fn delete_to_line_start(&mut self) {
        let start = self.line_start();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Whether the cursor is on the first line (Up then walks the history).
    pub fn on_first_line(&self) -> bool {
        !self.text[..self.cursor].contains('\n')
    }

    /// Whether the cursor is on the last line.
    pub fn on_last_line(&self) -> bool {
        !self.text[self.cursor..].contains('\n')
    }

    /// Moves the cursor one line up (`-1`) or down (`1`), keeping its column where it can.
    pub fn vertical(&mut self, delta: i32) {
        let start = self.line_start();
        let column = self.text[start..self.cursor].chars().count();
        let target = if delta < 0 {
            if start == 0 {
                return;
            }
            self.text[..start - 1].rfind('\n').map_or(0, |i| i + 1)
        } else {
            match self.text[self.cursor..].find('\n') {
                Some(i) => self.cursor + i + 1,
                None => return,
            }
        };
        let line_end = self.text[target..]
            .find('\n')
            .map_or(self.text.len(), |i| target + i);
        let mut at = target;
        for c in self.text[target..line_end].chars().take(column) {
            at += c.len_utf8();
        }
        self.cursor = at;
    }

    /// The word the cursor ends (for completion): its start offset and text.
    pub fn word_before_cursor(&self) -> (usize, &str) {
        let before = &self.text[..self.cursor];
        let start = before
            .rfind(|c: char| c.is_whitespace())
            .map_or(0, |i| i + 1);
        (start, &before[start..])
    }

    /// Replaces `start..cursor` with `with`.
    pub fn replace_before_cursor(&mut self, start: usize, with: &str) {
        self.text.replace_range(start..self.cursor, with);
        self.cursor = start + with.len();
    }

    /// The text laid out in rows of at most `width` cells: each row's text, and the row
    /// and column of the cursor.
    pub fn layout(&self, width: u16) -> (Vec<String>, (u16, u16)) {
        let width = usize::from(width.max(1));
        let mut rows = vec![String::new()];
        let mut col = 0usize;
        let mut cursor = (0u16, 0u16);
        let mut at = 0usize;
        for c in self.text.chars() {
            if at == self.cursor {
                cursor = (to_u16(rows.len() - 1), to_u16(col));
            }
            at += c.len_utf8();
            if c == '\n' {
                rows.push(String::new());
                col = 0;
                continue;
            }
            let w = c.width().unwrap_or(0);
            if col + w > width {
                rows.push(String::new());
                col = 0;
            }
            if let Some(row) = rows.last_mut() {
                row.push(c);
            }
            col += w;
        }
        if at == self.cursor {
            if col >= width {
                rows.push(String::new());
                col = 0;
            }
            cursor = (to_u16(rows.len() - 1), to_u16(col));
        }
        (rows, cursor)
    }
}

fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// What was sent, oldest first, and where Up/Down stand in it.
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: Vec<String>,
    /// Index into `entries` while walking; `None` at the draft.
    pos: Option<usize>,
    draft: String,
}

/// How many sent messages the history keeps.
const HISTORY_LEN: usize = 200;

impl History {
    pub fn push(&mut self, text: &str) {
        if self.entries.last().map(String::as_str) != Some(text) {
            self.entries.push(text.to_owned());
        }
        if self.entries.len() > HISTORY_LEN {
            self.entries.remove(0);
        }
        self.pos = None;
    }

    /// The previous entry, keeping `current` as the draft when leaving it.
    pub fn older(&mut self, current: &str) -> Option<String> {
        let next = match self.pos {
            None if self.entries.is_empty() => return None,
            None => {
                self.draft = current.to_owned();
                self.entries.len() - 1
            }
            Some(0) => return None,
            Some(i) => i - 1,
        };
        self.pos = Some(next);
        self.entries.get(next).cloned()
    }

    /// The next entry, or the draft after the newest.
    pub fn newer(&mut self) -> Option<String> {
        let i = self.pos?;
        if i + 1 < self.entries.len() {
            self.pos = Some(i + 1);
            self.entries.get(i + 1).cloned()
        } else {
            self.pos = None;
            Some(std::mem::take(&mut self.draft))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_moves_over_whole_characters() {
        let mut c = Composer::default();
        for ch in "hé👍".chars() {
            c.insert(ch);
        }
        c.left();
        c.backspace();
        assert_eq!(c.text(), "h👍");
        c.home();
        c.delete();
        assert_eq!(c.text(), "👍");
        c.end();
        c.insert_str("a\r\nb");
        assert_eq!(c.text(), "👍a\nb");
        assert!(!c.on_first_line());
        c.vertical(-1);
        assert!(c.on_first_line());
        c.delete_to_line_start();
        assert_eq!(c.text(), "a\nb");
    }

    #[test]
    fn words_are_deleted_and_completed() {
        let mut c = Composer::default();
        c.set("hello @al");
        assert_eq!(c.word_before_cursor(), (6, "@al"));
        c.replace_before_cursor(6, "@alice ");
        assert_eq!(c.text(), "hello @alice ");
        c.delete_word();
        assert_eq!(c.text(), "hello ");
    }

    #[test]
    fn layout_wraps_and_places_the_cursor() {
        let mut c = Composer::default();
        c.set("abcdef\nxy");
        let (rows, cursor) = c.layout(4);
        assert_eq!(rows, vec!["abcd", "ef", "xy"]);
        assert_eq!(cursor, (2, 2));
        c.set("abcd");
        assert_eq!(c.layout(4), (vec!["abcd".into(), String::new()], (1, 0)));
    }

    #[test]
    fn history_walks_back_and_returns_to_the_draft() {
        let mut h = History::default();
        h.push("one");
        h.push("two");
        assert_eq!(h.older("draft").as_deref(), Some("two"));
        assert_eq!(h.older("").as_deref(), Some("one"));
        assert_eq!(h.older(""), None);
        assert_eq!(h.newer().as_deref(), Some("two"));
        assert_eq!(h.newer().as_deref(), Some("draft"));
        assert_eq!(h.newer(), None);
    }
}
