//! File names and how files are served: pure rules shared by the api and the clients.

use crate::limits::MAX_FILE_NAME_CHARS;

/// The name a file is stored and offered under, from whatever the uploader sent: the last
/// path component only, without control characters or bidirectional overrides (which
/// make `exe.txt` read as `txt.exe`), trimmed, at most [`MAX_FILE_NAME_CHARS`] characters
/// with the extension kept, and `file` when nothing is left. It is never used as a path.
pub fn safe_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "file".to_owned();
    }
    let count = trimmed.chars().count();
    if count <= MAX_FILE_NAME_CHARS {
        return trimmed.to_owned();
    }
    // Keep a short extension: `report….pdf` opens as a PDF.
    let ext = trimmed
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| (1..=16).contains(&ext.chars().count()));
    match ext {
        Some(ext) => {
            let keep = MAX_FILE_NAME_CHARS - ext.chars().count() - 1;
            let stem: String = trimmed.chars().take(keep).collect();
            format!("{stem}.{ext}")
        }
        None => trimmed.chars().take(MAX_FILE_NAME_CHARS).collect(),
    }
}

/// Characters that reorder the text around them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether a browser may show a file of this media type in place: raster images and PDFs.
/// Everything else (HTML and SVG among them) is offered as a download.
pub fn shown_inline(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf"
    )
}

/// The `Content-Disposition` value for a file: `inline` or `attachment`, with the name in
/// plain ASCII for old clients and in full as RFC 8187 `filename*`.
pub fn content_disposition(name: &str, inline: bool) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A size for people: `512 B`, `1.5 KiB`, `25.0 MiB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = UNITS[0];
    for next in &UNITS[1..] {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_path_and_control_characters() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\a\\build.log"), "build.log");
        assert_eq!(safe_name("a\0b\r\n.txt"), "ab.txt");
        assert_eq!(safe_name("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(safe_name("  .hidden "), "hidden");
        assert_eq!(safe_name("résumé 2026.pdf"), "résumé 2026.pdf");
    }

    #[test]
    fn empty_names_become_file() {
        assert_eq!(safe_name(""), "file");
        assert_eq!(safe_name("../"), "file");
        assert_eq!(safe_name("\u{202E}\u{7}"), "file");
        assert_eq!(safe_name(".."), "file");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let name = safe_name(&format!("{}.tar.gz", "x".repeat(1000)));
        assert_eq!(name.chars().count(), MAX_FILE_NAME_CHARS);
        assert!(name.ends_with("x.gz"), "{name}");
        let plain = safe_name(&"é".repeat(1000));
        assert_eq!(plain.chars().count(), MAX_FILE_NAME_CHARS);
    }

    #[test]
    fn only_raster_images_and_pdfs_are_inline() {
        assert!(shown_inline("image/png"));
        assert!(shown_inline("application/pdf"));
        assert!(!shown_inline("image/svg+xml"));
        assert!(!shown_inline("text/html"));
        assert!(!shown_inline("application/octet-stream"));
    }

    #[test]
    fn dispositions_quote_safely() {
        assert_eq!(
            content_disposition("build log.txt", false),
            "attachment; filename=\"build log.txt\"; filename*=UTF-8''build%20log.txt"
        );
        assert_eq!(
            content_disposition("a\"b\\é.png", true),
            "inline; filename=\"a_b__.png\"; filename*=UTF-8''a%22b%5C%C3%A9.png"
        );
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(25 * 1024 * 1024), "25.0 MiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
