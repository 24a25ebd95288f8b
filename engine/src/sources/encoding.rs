//! What an uploaded file holds: UTF-8 text, text in another encoding (Excel's
//! "CSV (Comma delimited)" saves Windows-1252), or binary data that is no CSV
//! file at all. Text in another encoding is converted to UTF-8 once, when the
//! admin chooses the encoding; everything after that reads UTF-8.

use crate::model::TextEncoding;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes at the start of a file looked at for signs of binary data.
const HEAD_BYTES: u64 = 8192;

/// Characters of a line shown on each side of the byte that is not UTF-8.
const SHOWN_CHARS: usize = 80;

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// UTF-8 text, with or without a byte-order mark.
    Utf8,
    /// Text that is not UTF-8 from some byte on: it may be read in another
    /// encoding.
    NotUtf8(NotUtf8),
    /// Not text. The reason names what was found and where.
    Binary(String),
}

/// The first byte of a text file that is not UTF-8, and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    /// The line it is on, counted from 1 (a line ends with LF, CRLF or CR).
    pub line: u64,
    /// Its offset in the file, counted from 0.
    pub offset: u64,
    pub byte: u8,
    /// The line read as UTF-8, each byte that is not shown as U+FFFD, cut
    /// to [`SHOWN_CHARS`] on each side of the byte with "…".
    pub text: String,
}

impl NotUtf8 {
    /// What the admin reads: the line, the byte, where it is, and the line.
    pub fn message(&self) -> String {
        format!(
            "Line {} is not UTF-8 (byte 0x{:02X} at offset {} of the file): {}",
            self.line, self.byte, self.offset, self.text
        )
    }
}

/// Looks at a whole file: is it UTF-8 text, other text, or binary data?
///
/// NUL bytes near the start mean binary data whatever else the file holds
/// (UTF-16 text is named as such). A file that is not UTF-8 is also binary
/// when it starts like a known binary format or a twentieth of its first
/// bytes are control characters; otherwise it is text in some other
/// encoding, reported with the first byte that is not UTF-8.
pub fn inspect(path: &Path) -> io::Result<Content> {
    let mut head = Vec::with_capacity(HEAD_BYTES as usize);
    File::open(path)?.take(HEAD_BYTES).read_to_end(&mut head)?;
    if let Some(reason) = utf16(&head).or_else(|| nul_byte(&head)) {
        return Ok(Content::Binary(reason));
    }
    let Some(offset) = first_not_utf8(File::open(path)?)? else {
        return Ok(Content::Utf8);
    };
    if let Some(reason) = signature(&head).or_else(|| control_bytes(&head)) {
        return Ok(Content::Binary(reason));
    }
    not_utf8_at(path, offset).map(Content::NotUtf8)
}

fn binary(what: String) -> String {
    format!("This file is not a CSV file: {what}. Upload a CSV file saved as text.")
}

fn utf16(head: &[u8]) -> Option<String> {
    (head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF")).then(|| {
        "This file is UTF-16 text (Excel's \"Unicode Text\"), not a CSV file. Save it as \"CSV UTF-8\"."
            .to_owned()
    })
}

fn nul_byte(head: &[u8]) -> Option<String> {
    head.iter()
        .position(|&b| b == 0)
        .map(|at| binary(format!("it holds binary data (a NUL byte at offset {at})")))
}

/// Formats a file may be in that start with these bytes.
const SIGNATURES: [(&[u8], &str); 6] = [
    (b"\x89PNG", "a PNG image"),
    (
        b"PK\x03\x04",
        "a ZIP archive (an Excel .xlsx workbook is one: save it as \"CSV UTF-8\")",
    ),
    (
        b"\xD0\xCF\x11\xE0",
        "an Office document (an Excel .xls workbook: save it as \"CSV UTF-8\")",
    ),
    (b"%PDF", "a PDF document"),
    (b"\x1F\x8B", "a gzip archive"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
];

fn signature(head: &[u8]) -> Option<String> {
    SIGNATURES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, what)| binary(format!("it is {what}")))
}

/// Bytes below 0x20 (and DEL) that text has no use for; tab, line ends,
/// form feed and DOS's end-of-file mark are text.
fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)) || b == 0x7F
}

fn control_bytes(head: &[u8]) -> Option<String> {
    let count = head.iter().filter(|&&b| is_control(b)).count();
    (count * 20 > head.len()).then(|| {
        binary(format!(
            "it holds binary data ({count} of its first {} bytes are control characters)",
            head.len()
        ))
    })
}

/// The offset of the first byte that is not part of valid UTF-8, reading
/// the whole input once; `None` when it all is. A character cut at the end
/// of the input is not valid.
fn first_not_utf8(mut input: impl Read) -> io::Result<Option<u64>> {
    let mut buf = vec![0u8; 1 << 16];
    // Bytes of a character cut by the end of the last read, kept at the front.
    let mut kept = 0usize;
    // The offset of buf[0] in the input.
    let mut base = 0u64;
    loop {
        let n = match input.read(buf.get_mut(kept..).unwrap_or_default()) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let end = kept + n;
        let chunk = buf.get(..end).unwrap_or_default();
        match std::str::from_utf8(chunk) {
            Ok(_) if n == 0 => return Ok(None),
            Ok(_) => {
                base += end as u64;
                kept = 0;
            }
            Err(e) if e.error_len().is_none() && n > 0 => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..end, 0);
                kept = end - valid;
                base += valid as u64;
            }
            Err(e) => return Ok(Some(base + e.valid_up_to() as u64)),
        }
    }
}

/// The line holding the byte at `offset`, and that line as the admin sees it.
fn not_utf8_at(path: &Path, offset: u64) -> io::Result<NotUtf8> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut line = 1u64;
    let mut line_start = 0u64;
    let mut after_cr = false;
    let mut at = 0u64;
    while at < offset {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let take = buf.len().min((offset - at) as usize);
        for (i, &b) in buf.iter().take(take).enumerate() {
            if b == b'\r' || (b == b'\n' && !after_cr) {
                line += 1;
            }
            if b == b'\r' || b == b'\n' {
                line_start = at + i as u64 + 1;
            }
            after_cr = b == b'\r';
        }
        at += take as u64;
        reader.consume(take);
    }
    // The line around the byte: up to a few KiB on each side is enough to
    // show SHOWN_CHARS characters.
    let from = line_start.max(offset.saturating_sub(4 * SHOWN_CHARS as u64));
    let mut before = vec![0u8; (offset - from) as usize];
    let mut file = reader.into_inner();
    file.seek(SeekFrom::Start(from))?;
    file.read_exact(&mut before)?;
    let mut after = Vec::with_capacity(4 * SHOWN_CHARS);
    file.take(4 * SHOWN_CHARS as u64).read_to_end(&mut after)?;
    let byte = after.first().copied().unwrap_or_default();
    if let Some(end) = after.iter().position(|&b| b == b'\n' || b == b'\r') {
        after.truncate(end);
    }
    let before = String::from_utf8_lossy(&before);
    let after = String::from_utf8_lossy(&after);
    let shown_before = before.chars().count().min(SHOWN_CHARS);
    let mut text = String::new();
    if from > line_start || before.chars().count() > SHOWN_CHARS {
        text.push('…');
    }
    text.extend(before.chars().skip(before.chars().count() - shown_before));
    text.extend(after.chars().take(SHOWN_CHARS));
    if after.chars().count() > SHOWN_CHARS {
        text.push('…');
    }
    Ok(NotUtf8 {
        line,
        offset,
        byte,
        text,
    })
}

/// The decoder of an encoding.
fn encoding_of(encoding: TextEncoding) -> &'static encoding_rs::Encoding {
    match encoding {
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
    }
}

/// Writes `from`, read as text in `encoding`, to `to` as UTF-8, and returns
/// the size written. Every byte decodes (Windows-1252 maps each byte to a
/// character), so this does not fail on content, only on the files.
pub fn convert_to_utf8(from: &Path, to: &Path, encoding: TextEncoding) -> io::Result<u64> {
    let mut input = BufReader::with_capacity(1 << 16, File::open(from)?);
    let mut output = BufWriter::with_capacity(1 << 16, File::create(to)?);
    let mut decoder = encoding_of(encoding).new_decoder_without_bom_handling();
    let mut out = Vec::new();
    let mut written = 0u64;
    loop {
        let src = input.fill_buf()?;
        let last = src.is_empty();
        let needed = decoder
            .max_utf8_buffer_length(src.len())
            .ok_or_else(|| io::Error::other("the decoded text is too large"))?;
        out.resize(needed, 0);
        let (_, read, produced, _) = decoder.decode_to_utf8(src, &mut out, last);
        output.write_all(out.get(..produced).unwrap_or_default())?;
        written += produced as u64;
        input.consume(read);
        if last {
            break;
        }
    }
    output.flush()?;
    output
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn inspect_bytes(bytes: &[u8]) -> Content {
        inspect(file(bytes).path()).unwrap()
    }

    fn not_utf8(bytes: &[u8]) -> NotUtf8 {
        match inspect_bytes(bytes) {
            Content::NotUtf8(n) => n,
            other => panic!("expected text that is not UTF-8, got {other:?}"),
        }
    }

    /// Excel's "CSV (Comma delimited)": Windows-1252, CRLF line ends.
    const EXCEL: &[u8] = b"login,firstName,lastName,email\r\n\
        ann@x.io,Ann,Lee,ann@x.io\r\n\
        renee@x.io,Ren\xE9e,Dupont,renee@x.io\r\n\
        jurgen@x.io,J\xFCrgen,Gro\xDF,jurgen@x.io\r\n";

    #[test]
    fn windows_1252_text_names_the_line_the_byte_and_its_offset() {
        let n = not_utf8(EXCEL);
        let offset = EXCEL.iter().position(|&b| b == 0xE9).unwrap() as u64;
        assert_eq!((n.line, n.offset, n.byte), (3, offset, 0xE9));
        assert_eq!(n.text, "renee@x.io,Ren\u{FFFD}e,Dupont,renee@x.io");
        assert_eq!(
            n.message(),
            format!(
                "Line 3 is not UTF-8 (byte 0xE9 at offset {offset} of the file): renee@x.io,Ren\u{FFFD}e,Dupont,renee@x.io"
            )
        );
    }

    #[test]
    fn lines_are_counted_as_the_csv_reader_counts_them() {
        // LF, CRLF, a lone CR (old Mac files) and an empty line each end one.
        let n = not_utf8(b"a\nb\r\nc\rd\n\ne,\x80f\n");
        assert_eq!((n.line, n.offset, n.byte), (6, 12, 0x80));
        assert_eq!(n.text, "e,\u{FFFD}f");
        // The first line, and a byte cut short by the end of the file.
        let n = not_utf8(b"\xC3");
        assert_eq!((n.line, n.offset, n.byte), (1, 0, 0xC3));
    }

    #[test]
    fn a_byte_far_into_a_file_is_found_across_reads() {
        // Valid multi-byte characters straddle the 64 KiB read boundaries.
        let mut data = Vec::new();
        let mut lines = 0;
        while data.len() < 200_000 {
            data.extend_from_slice("row,ü€,x\n".as_bytes());
            lines += 1;
        }
        assert_eq!(inspect_bytes(&data), Content::Utf8);
        let offset = data.len() as u64 + 4;
        data.extend_from_slice(b"last\xFF\n");
        let n = not_utf8(&data);
        assert_eq!((n.line, n.offset), (lines + 1, offset));
        assert_eq!(n.text, "last\u{FFFD}");
    }

    #[test]
    fn a_long_line_is_shown_around_the_byte() {
        let mut data = "a".repeat(1000).into_bytes();
        data.push(0xE9);
        data.extend_from_slice(&[b'b'; 1000]);
        let n = not_utf8(&data);
        assert_eq!(n.offset, 1000);
        let expected = format!("…{}\u{FFFD}{}…", "a".repeat(80), "b".repeat(79));
        assert_eq!(n.text, expected);
    }

    #[test]
    fn utf8_with_or_without_a_byte_order_mark_is_utf8() {
        assert_eq!(inspect_bytes(b""), Content::Utf8);
        assert_eq!(inspect_bytes("a,b\nRenée,€\n".as_bytes()), Content::Utf8);
        assert_eq!(
            inspect_bytes("\u{FEFF}a,b\r\nJürgen,ß\r\n".as_bytes()),
            Content::Utf8
        );
    }

    #[test]
    fn binary_files_are_refused_and_say_what_they_are() {
        let reason = |bytes: &[u8]| match inspect_bytes(bytes) {
            Content::Binary(r) => r,
            other => panic!("expected binary, got {other:?}"),
        };
        let png = reason(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        assert!(png.starts_with("This file is not a CSV file"), "{png}");
        assert!(png.contains("NUL byte at offset 8"), "{png}");
        let zip = reason(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\xE9\xE9");
        assert!(zip.contains("NUL byte"), "{zip}");
        // Signatures without NUL bytes in the head.
        assert!(reason(b"PK\x03\x04\xE9\xE9\xE9").contains("ZIP archive"));
        assert!(reason(b"\x89PNG\r\n\x1a\n\xE9").contains("PNG image"));
        assert!(reason(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1").contains(".xls workbook"));
        // Many control characters, no NUL and no known signature.
        let noise: Vec<u8> = (0..1000u32).map(|i| (i * 37 % 251) as u8 | 1).collect();
        assert!(reason(&noise).contains("control characters"));
        // UTF-16 text holds NUL bytes; it is named for what it is.
        let utf16 = reason(b"\xFF\xFEl\0o\0g\0i\0n\0");
        assert!(utf16.contains("UTF-16"), "{utf16}");
    }

    #[test]
    fn a_few_control_characters_do_not_make_text_binary() {
        let mut data = b"a,b\n".repeat(50);
        data.extend_from_slice(b"\x01\x02x,Ren\xE9e\n");
        assert_eq!(not_utf8(&data).line, 51);
    }

    #[test]
    fn windows_1252_converts_to_utf8() {
        let from = file(b"login,title\nrenee,Ren\xE9e \x80 J\xFCrgen Gro\xDF \x93q\x94\n");
        let to = tempfile::NamedTempFile::new().unwrap();
        let size = convert_to_utf8(from.path(), to.path(), TextEncoding::Windows1252).unwrap();
        let text = std::fs::read_to_string(to.path()).unwrap();
        assert_eq!(
            text,
            "login,title\nrenee,Renée € Jürgen Groß \u{201C}q\u{201D}\n"
        );
        assert_eq!(size, text.len() as u64);
        assert_eq!(inspect(to.path()).unwrap(), Content::Utf8);
    }

    #[test]
    fn a_large_file_converts_whole() {
        let line = b"x,Ren\xE9e\n";
        let from = file(&line.repeat(20_000));
        let to = tempfile::NamedTempFile::new().unwrap();
        convert_to_utf8(from.path(), to.path(), TextEncoding::Windows1252).unwrap();
        let text = std::fs::read_to_string(to.path()).unwrap();
        assert_eq!(text, "x,Renée\n".repeat(20_000));
    }
}
