//! Splitting a command's arguments into words.
//!
//! Words are separated by whitespace. A word that starts with `"` or `'` runs to the
//! matching quote and may hold spaces; inside it, a backslash escapes that quote or a
//! backslash. A quote anywhere else is an ordinary character (`don't`), and the closing
//! quote must end the word. Reading is lazy: a command that ends in free text takes the
//! rest of the line as written, so an apostrophe in a reason is never a syntax error.

use super::error::CommandError;

/// One word of the arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Word {
    /// The word as meant: without its quotes and escapes.
    pub text: String,
    /// Whether it was quoted (a quoted `--x` or `#x` is plain text).
    pub quoted: bool,
}

impl Word {
    /// An unquoted `--name` or `--name=value`: an option.
    pub fn is_option(&self) -> bool {
        !self.quoted && self.text.len() > 2 && self.text.starts_with("--")
    }
}

/// Reads the words of `src` one at a time.
#[derive(Clone, Debug)]
pub(super) struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next unread character; always on a char boundary.
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Whether only whitespace is left.
    pub fn is_done(&self) -> bool {
        self.src[self.pos..].trim().is_empty()
    }

    /// The next word, without consuming it.
    pub fn peek(&self) -> Result<Option<Word>, CommandError> {
        self.clone().next_word()
    }

    /// The next word.
    pub fn next_word(&mut self) -> Result<Option<Word>, CommandError> {
        self.skip_whitespace();
        let rest = &self.src[self.pos..];
        let Some(first) = rest.chars().next() else {
            return Ok(None);
        };
        if first != '"' && first != '\'' {
            let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            self.pos += len;
            return Ok(Some(Word {
                text: rest[..len].to_owned(),
                quoted: false,
            }));
        }
        let mut text = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e)) if e == first || e == '\\' => text.push(e),
                    Some((_, e)) => {
                        text.push('\\');
                        text.push(e);
                    }
                    None => text.push('\\'),
                },
                c if c == first => {
                    let end = i + c.len_utf8();
                    if rest[end..].starts_with(|c: char| !c.is_whitespace()) {
                        return Err(CommandError::Quote(format!(
                            "put a space after the closing {first}"
                        )));
                    }
                    self.pos += end;
                    return Ok(Some(Word { text, quoted: true }));
                }
                c => text.push(c),
            }
        }
        Err(CommandError::Quote(format!("a {first} is not closed")))
    }

    /// Everything left, as free text: trimmed, and without its quotes when it is a single
    /// quoted word (`/ban @bob "spam, again"`). `None` when nothing is left.
    pub fn rest(&mut self) -> Option<String> {
        self.skip_whitespace();
        let raw = self.src[self.pos..].trim_end();
        self.pos = self.src.len();
        if raw.is_empty() {
            return None;
        }
        let mut single = Lexer::new(raw);
        if let Ok(Some(word)) = single.next_word()
            && word.quoted
            && single.is_done()
        {
            return Some(word.text);
        }
        Some(raw.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Result<Vec<(String, bool)>, CommandError> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        while let Some(w) = lexer.next_word()? {
            out.push((w.text, w.quoted));
        }
        Ok(out)
    }

    fn plain(src: &str) -> Vec<String> {
        words(src).unwrap().into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn whitespace_separates_words() {
        assert_eq!(plain("  a  b\tc\nd  "), ["a", "b", "c", "d"]);
        assert_eq!(plain(""), Vec::<String>::new());
        assert_eq!(plain("   "), Vec::<String>::new());
        // U+3000 IDEOGRAPHIC SPACE is whitespace too.
        assert_eq!(plain("日本\u{3000}語"), ["日本", "語"]);
    }

    #[test]
    fn quotes_group_words() {
        assert_eq!(
            words(r#""two words" 'single quoted' x"#).unwrap(),
            [
                ("two words".to_owned(), true),
                ("single quoted".to_owned(), true),
                ("x".to_owned(), false)
            ]
        );
        assert_eq!(plain(r#""it's" 'say "hi"'"#), ["it's", r#"say "hi""#]);
        assert_eq!(plain(r#""""#), [""]);
    }

    #[test]
    fn backslash_escapes_the_quote_and_itself_only() {
        assert_eq!(plain(r#""a \"b\" c""#), [r#"a "b" c"#]);
        assert_eq!(plain(r"'it\'s'"), ["it's"]);
        assert_eq!(plain(r#""back\\slash""#), [r"back\slash"]);
        assert_eq!(plain(r#""C:\path\n""#), [r"C:\path\n"]);
        assert_eq!(plain(r"unquoted\ word"), [r"unquoted\", "word"]);
    }

    #[test]
    fn quotes_inside_a_word_are_ordinary() {
        assert_eq!(plain("don't say x\"y\" z"), ["don't", "say", "x\"y\"", "z"]);
    }

    #[test]
    fn bad_quotes_are_errors() {
        assert_eq!(
            words("\"open"),
            Err(CommandError::Quote("a \" is not closed".into()))
        );
        assert_eq!(
            words("'ends with backslash\\'"),
            Err(CommandError::Quote("a ' is not closed".into()))
        );
        assert_eq!(
            words("\"ab\"cd"),
            Err(CommandError::Quote(
                "put a space after the closing \"".into()
            ))
        );
    }

    #[test]
    fn rest_is_raw_unless_one_quoted_word() {
        let mut lexer = Lexer::new("@bob  don't \"spam\"  ");
        assert_eq!(lexer.next_word().unwrap().unwrap().text, "@bob");
        assert_eq!(lexer.rest().as_deref(), Some("don't \"spam\""));
        assert!(lexer.is_done());

        assert_eq!(
            Lexer::new("  \"spam, again\" ").rest().as_deref(),
            Some("spam, again")
        );
        assert_eq!(
            Lexer::new("\"a\" \"b\"").rest().as_deref(),
            Some("\"a\" \"b\"")
        );
        assert_eq!(Lexer::new("\"open").rest().as_deref(), Some("\"open"));
        assert_eq!(Lexer::new("   ").rest(), None);
    }

    #[test]
    fn options_are_unquoted_double_dash_words() {
        let w = |text: &str, quoted| Word {
            text: text.into(),
            quoted,
        };
        assert!(w("--expires", false).is_option());
        assert!(w("--expires=30d", false).is_option());
        assert!(!w("--expires", true).is_option());
        assert!(!w("--", false).is_option());
        assert!(!w("-x", false).is_option());
    }

    #[test]
    fn peek_does_not_consume() {
        let lexer = Lexer::new("a b");
        assert_eq!(lexer.peek().unwrap().unwrap().text, "a");
        assert_eq!(lexer.peek().unwrap().unwrap().text, "a");
    }
}
