//! What a file is and what can be drawn from it: the media type sniffed from its first
//! bytes, and for images their size, a thumbnail, or a square avatar, decoded within limits
//! so that a small file claiming a huge picture (a decompression bomb) is refused before
//! anything is allocated for it.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Bytes looked at to tell what a file is.
pub const SNIFF_BYTES: usize = 8 * 1024;
/// Largest picture decoded, in pixels (a 50-megapixel photo passes).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Largest side of a picture decoded, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Largest image file a thumbnail is made of; larger ones are kept without one.
pub const MAX_THUMB_SOURCE_BYTES: usize = 32 * 1024 * 1024;
/// A thumbnail fits in this square.
pub const THUMB_SIDE: u32 = 400;
/// Avatars are squares of this side.
pub const AVATAR_SIDE: u32 = 256;

/// The media type of a file that starts with `prefix` (its first [`SNIFF_BYTES`] or all of
/// it): the magic numbers first, then UTF-8 text, else `application/octet-stream`.
pub fn sniff(prefix: &[u8]) -> String {
    if let Some(kind) = infer::get(prefix) {
        return kind.mime_type().to_owned();
    }
    let text = match std::str::from_utf8(prefix) {
        Ok(_) => true,
        // Cut in the middle of a character at the end of the prefix.
        Err(err) => err.error_len().is_none() && prefix.len() >= SNIFF_BYTES,
    };
    if text && !prefix.contains(&0) && !prefix.is_empty() {
        "text/plain".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// The image formats thumbnails are made of.
pub fn decodable(media_type: &str) -> Option<ImageFormat> {
    match media_type {
        "image/png" => Some(ImageFormat::Png),
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// Why a picture was not drawn.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error(
        "the image is {width} × {height} pixels; at most {MAX_PIXELS} pixels and {MAX_SIDE} on a side are accepted"
    )]
    TooLarge { width: u32, height: u32 },
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
}

/// The pixel size an image's header declares, refused when over the caps.
pub fn dimensions(bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), ImageError> {
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Unreadable(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok((width, height))
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, ImageError> {
    dimensions(bytes, format)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // Four bytes a pixel, and room for the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| ImageError::Unreadable(e.to_string()))
}

/// An encoded rendition of a picture.
pub struct Rendition {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub media_type: &'static str,
}

/// A thumbnail of the image in `bytes`, at most [`THUMB_SIDE`] on its longer side (never
/// enlarged): JPEG, or PNG when the picture has transparency.
pub fn thumbnail(bytes: &[u8], format: ImageFormat) -> Result<Rendition, ImageError> {
    let image = decode(bytes, format)?;
    let small = if image.width() <= THUMB_SIDE && image.height() <= THUMB_SIDE {
        image
    } else {
        image.thumbnail(THUMB_SIDE, THUMB_SIDE)
    };
    encode(small)
}

/// A square avatar from the picture in `bytes`: the centre cropped, resized to
/// [`AVATAR_SIDE`], as PNG.
pub fn avatar(bytes: &[u8]) -> Result<Rendition, ImageError> {
    let format = decodable(&sniff(&bytes[..bytes.len().min(SNIFF_BYTES)])).ok_or_else(|| {
        ImageError::Unreadable("send a PNG, JPEG, GIF or WebP picture".to_owned())
    })?;
    let image = decode(bytes, format)?;
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    let sized = square.resize_exact(
        AVATAR_SIDE,
        AVATAR_SIDE,
        image::imageops::FilterType::Lanczos3,
    );
    let mut out = Cursor::new(Vec::new());
    sized
        .to_rgba8()
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ImageError::Unreadable(e.to_string()))?;
    Ok(Rendition {
        bytes: out.into_inner(),
        width: AVATAR_SIDE,
        height: AVATAR_SIDE,
        media_type: "image/png",
    })
}

fn encode(image: DynamicImage) -> Result<Rendition, ImageError> {
    let (width, height) = (image.width(), image.height());
    let mut out = Cursor::new(Vec::new());
    let media_type = if image.color().has_alpha() {
        image
            .to_rgba8()
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| ImageError::Unreadable(e.to_string()))?;
        "image/png"
    } else {
        image
            .to_rgb8()
            .write_to(&mut out, ImageFormat::Jpeg)
            .map_err(|e| ImageError::Unreadable(e.to_string()))?;
        "image/jpeg"
    };
    Ok(Rendition {
        bytes: out.into_inner(),
        width,
        height,
        media_type,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 40]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// A valid PNG whose header declares `width` × `height` and whose data is a few bytes.
    fn bomb(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = png(1, 1);
        // IHDR's width and height follow the 8-byte signature, the length and the type;
        // its CRC covers the type and the 13 bytes of data.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    /// CRC-32 (ISO-HDLC), as PNG chunks carry.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn media_types_come_from_the_content() {
        assert_eq!(sniff(&png(2, 2)), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("build ok ✓\n".as_bytes()), "text/plain");
        assert_eq!(sniff(&[0, 1, 2, 3, 0xff]), "application/octet-stream");
        assert_eq!(sniff(b""), "application/octet-stream");
        // A file named .png that is HTML is not an image.
        assert_ne!(
            sniff(b"<html><script>alert(1)</script></html>"),
            "image/png"
        );
    }

    #[test]
    fn thumbnails_fit_the_square_and_keep_the_shape() {
        let thumb = thumbnail(&png(1600, 800), ImageFormat::Png).unwrap();
        assert_eq!((thumb.width, thumb.height), (400, 200));
        assert_eq!(thumb.media_type, "image/jpeg");
        let small = thumbnail(&png(50, 30), ImageFormat::Png).unwrap();
        assert_eq!((small.width, small.height), (50, 30));
        let decoded = image::load_from_memory(&thumb.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (400, 200));
    }

    #[test]
    fn bombs_are_refused_from_the_header() {
        let err = dimensions(&bomb(100_000, 100_000), ImageFormat::Png).unwrap_err();
        assert!(
            matches!(err, ImageError::TooLarge { width: 100_000, .. }),
            "{err}"
        );
        assert!(thumbnail(&bomb(10_000, 10_000), ImageFormat::Png).is_err());
    }

    #[test]
    fn avatars_are_centred_squares() {
        let avatar = avatar(&png(300, 100)).unwrap();
        let decoded = image::load_from_memory(&avatar.bytes).unwrap();
        assert_eq!(
            (decoded.width(), decoded.height()),
            (AVATAR_SIDE, AVATAR_SIDE)
        );
        assert!(super::avatar(b"not a picture").is_err());
    }
}
