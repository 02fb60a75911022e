//! Keys and mouse wheel as the bytes an xterm sends to the program in it.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The terminal modes that change what a key sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TermModes {
    /// DECCKM: arrows, Home and End send SS3 instead of CSI.
    pub application_cursor: bool,
}

/// The bytes `key` sends to the remote program; `None` for keys that send nothing
/// (releases, lone modifiers, media keys).
pub fn encode_key(key: &KeyEvent, modes: TermModes) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let m = key.modifiers;
    let ctrl = m.contains(KeyModifiers::CONTROL);
    let alt = m.contains(KeyModifiers::ALT);
    let shift = m.contains(KeyModifiers::SHIFT);
    // xterm's modifier parameter: 1 + shift + 2·alt + 4·ctrl.
    let param = 1 + u8::from(shift) + 2 * u8::from(alt) + 4 * u8::from(ctrl);
    let mut out = Vec::with_capacity(8);
    match key.code {
        KeyCode::Char(c) => {
            if alt {
                out.push(0x1b);
            }
            match ctrl.then(|| control_code(c)).flatten() {
                Some(b) => out.push(b),
                None => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        KeyCode::Enter => prefixed(&mut out, alt, b"\r"),
        KeyCode::Tab => prefixed(&mut out, alt, b"\t"),
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Backspace => prefixed(&mut out, alt, if ctrl { b"\x08" } else { b"\x7f" }),
        KeyCode::Esc => prefixed(&mut out, alt, b"\x1b"),
        KeyCode::Null => out.push(0),
        KeyCode::Up => cursor_key(&mut out, b'A', param, modes),
        KeyCode::Down => cursor_key(&mut out, b'B', param, modes),
        KeyCode::Right => cursor_key(&mut out, b'C', param, modes),
        KeyCode::Left => cursor_key(&mut out, b'D', param, modes),
        KeyCode::Home => cursor_key(&mut out, b'H', param, modes),
        KeyCode::End => cursor_key(&mut out, b'F', param, modes),
        KeyCode::Insert => tilde_key(&mut out, 2, param),
        KeyCode::Delete => tilde_key(&mut out, 3, param),
        KeyCode::PageUp => tilde_key(&mut out, 5, param),
        KeyCode::PageDown => tilde_key(&mut out, 6, param),
        KeyCode::F(n @ 1..=4) => {
            let last = b"PQRS"[usize::from(n - 1)];
            if param > 1 {
                out.extend_from_slice(format!("\x1b[1;{param}").as_bytes());
                out.push(last);
            } else {
                out.extend_from_slice(&[0x1b, b'O', last]);
            }
        }
        KeyCode::F(n @ 5..=12) => {
            let code = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            tilde_key(&mut out, code, param);
        }
        _ => return None,
    }
    Some(out)
}

/// The control code of Ctrl+`c`, as xterm sends it; `None` when Ctrl changes nothing.
fn control_code(c: char) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a' + 1),
        'A'..='Z' => Some(c as u8 - b'A' + 1),
        '@' | ' ' | '2' => Some(0),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '7' | '/' => Some(0x1f),
        '?' | '8' => Some(0x7f),
        _ => None,
    }
}

fn prefixed(out: &mut Vec<u8>, alt: bool, bytes: &[u8]) {
    if alt {
        out.push(0x1b);
    }
    out.extend_from_slice(bytes);
}

/// Arrows, Home, End: `CSI x`, `SS3 x` in application-cursor mode, `CSI 1;m x` modified.
fn cursor_key(out: &mut Vec<u8>, last: u8, param: u8, modes: TermModes) {
    if param > 1 {
        out.extend_from_slice(format!("\x1b[1;{param}").as_bytes());
    } else if modes.application_cursor {
        out.extend_from_slice(b"\x1bO");
    } else {
        out.extend_from_slice(b"\x1b[");
    }
    out.push(last);
}

/// Editing and function keys: `CSI n ~`, or `CSI n;m ~` modified.
fn tilde_key(out: &mut Vec<u8>, n: u8, param: u8) {
    let s = if param > 1 {
        format!("\x1b[{n};{param}~")
    } else {
        format!("\x1b[{n}~")
    };
    out.extend_from_slice(s.as_bytes());
}

/// Pasted text as the terminal sends it: newlines as CR, wrapped in the bracketed-paste
/// markers when the remote program asked for them (markers inside the text are dropped,
/// so a paste cannot end itself early).
pub fn encode_paste(text: &str, bracketed: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 12);
    if bracketed {
        out.extend_from_slice(b"\x1b[200~");
    }
    let text = if bracketed {
        text.replace("\x1b[200~", "").replace("\x1b[201~", "")
    } else {
        text.to_string()
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(b'\r');
            }
            '\n' => out.push(b'\r'),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    if bracketed {
        out.extend_from_slice(b"\x1b[201~");
    }
    out
}

/// A wheel notch for a program that asked for mouse reports: button 64 (up) or 65 (down)
/// at 0-based cell (`col`, `row`), in SGR encoding when asked for, else the X10 form.
pub fn encode_wheel(up: bool, col: u16, row: u16, sgr: bool) -> Vec<u8> {
    let button: u16 = if up { 64 } else { 65 };
    if sgr {
        format!("\x1b[<{button};{};{}M", col + 1, row + 1).into_bytes()
    } else {
        // X10 coordinates are single bytes offset by 32; clamp to what fits.
        let enc = |v: u16| u8::try_from((v + 33).min(255)).unwrap_or(255);
        vec![
            0x1b,
            b'[',
            b'M',
            u8::try_from(button + 32).unwrap_or(255),
            enc(col),
            enc(row),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> Vec<u8> {
        encode_key(&KeyEvent::new(code, m), TermModes::default()).expect("sends bytes")
    }

    fn plain(code: KeyCode) -> Vec<u8> {
        k(code, KeyModifiers::NONE)
    }

    #[test]
    fn printable_and_utf8() {
        assert_eq!(plain(KeyCode::Char('a')), b"a");
        assert_eq!(k(KeyCode::Char('A'), KeyModifiers::SHIFT), b"A");
        assert_eq!(plain(KeyCode::Char('é')), "é".as_bytes());
        assert_eq!(plain(KeyCode::Char('日')), "日".as_bytes());
        assert_eq!(plain(KeyCode::Char('🦀')), "🦀".as_bytes());
    }

    #[test]
    fn enter_backspace_tab_esc() {
        assert_eq!(plain(KeyCode::Enter), b"\r");
        assert_eq!(plain(KeyCode::Backspace), b"\x7f");
        assert_eq!(k(KeyCode::Backspace, KeyModifiers::CONTROL), b"\x08");
        assert_eq!(plain(KeyCode::Tab), b"\t");
        assert_eq!(k(KeyCode::BackTab, KeyModifiers::SHIFT), b"\x1b[Z");
        assert_eq!(plain(KeyCode::Esc), b"\x1b");
    }

    #[test]
    fn control_letters_and_symbols() {
        let c = |ch| k(KeyCode::Char(ch), KeyModifiers::CONTROL);
        assert_eq!(c('c'), b"\x03");
        assert_eq!(c('a'), b"\x01");
        assert_eq!(c('z'), b"\x1a");
        assert_eq!(c('d'), b"\x04");
        assert_eq!(c(' '), b"\x00");
        assert_eq!(c('\\'), b"\x1c");
        assert_eq!(c(']'), b"\x1d");
        // crossterm reports 0x1c..=0x1f as Ctrl-4..Ctrl-7.
        assert_eq!(c('5'), b"\x1d");
        assert_eq!(c('_'), b"\x1f");
        assert_eq!(c('?'), b"\x7f");
        // Ctrl+Shift+letter is still the control code.
        assert_eq!(
            k(
                KeyCode::Char('C'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            ),
            b"\x03"
        );
    }

    #[test]
    fn alt_prefixes_escape() {
        assert_eq!(k(KeyCode::Char('b'), KeyModifiers::ALT), b"\x1bb");
        assert_eq!(
            k(
                KeyCode::Char('x'),
                KeyModifiers::ALT | KeyModifiers::CONTROL
            ),
            b"\x1b\x18"
        );
        assert_eq!(k(KeyCode::Backspace, KeyModifiers::ALT), b"\x1b\x7f");
        assert_eq!(k(KeyCode::Enter, KeyModifiers::ALT), b"\x1b\r");
    }

    #[test]
    fn arrows_follow_application_cursor_mode() {
        assert_eq!(plain(KeyCode::Up), b"\x1b[A");
        assert_eq!(plain(KeyCode::Down), b"\x1b[B");
        assert_eq!(plain(KeyCode::Right), b"\x1b[C");
        assert_eq!(plain(KeyCode::Left), b"\x1b[D");
        assert_eq!(plain(KeyCode::Home), b"\x1b[H");
        assert_eq!(plain(KeyCode::End), b"\x1b[F");
        let app = TermModes {
            application_cursor: true,
        };
        let a = |code| encode_key(&KeyEvent::from(code), app).expect("bytes");
        assert_eq!(a(KeyCode::Up), b"\x1bOA");
        assert_eq!(a(KeyCode::Left), b"\x1bOD");
        assert_eq!(a(KeyCode::Home), b"\x1bOH");
        // Modified arrows are the same in both modes.
        let ctrl_right = KeyEvent::new(KeyCode::Right, KeyModifiers::CONTROL);
        assert_eq!(encode_key(&ctrl_right, app).expect("bytes"), b"\x1b[1;5C");
        assert_eq!(k(KeyCode::Up, KeyModifiers::SHIFT), b"\x1b[1;2A");
        assert_eq!(k(KeyCode::Left, KeyModifiers::ALT), b"\x1b[1;3D");
    }

    #[test]
    fn editing_keys() {
        assert_eq!(plain(KeyCode::Insert), b"\x1b[2~");
        assert_eq!(plain(KeyCode::Delete), b"\x1b[3~");
        assert_eq!(plain(KeyCode::PageUp), b"\x1b[5~");
        assert_eq!(plain(KeyCode::PageDown), b"\x1b[6~");
        assert_eq!(k(KeyCode::Delete, KeyModifiers::CONTROL), b"\x1b[3;5~");
    }

    #[test]
    fn function_keys() {
        let expected: [&[u8]; 12] = [
            b"\x1bOP",
            b"\x1bOQ",
            b"\x1bOR",
            b"\x1bOS",
            b"\x1b[15~",
            b"\x1b[17~",
            b"\x1b[18~",
            b"\x1b[19~",
            b"\x1b[20~",
            b"\x1b[21~",
            b"\x1b[23~",
            b"\x1b[24~",
        ];
        for (n, want) in (1..=12).zip(expected) {
            assert_eq!(plain(KeyCode::F(n)), want, "F{n}");
        }
        assert_eq!(k(KeyCode::F(1), KeyModifiers::SHIFT), b"\x1b[1;2P");
        assert_eq!(k(KeyCode::F(5), KeyModifiers::CONTROL), b"\x1b[15;5~");
        assert_eq!(
            encode_key(&KeyEvent::from(KeyCode::F(13)), TermModes::default()),
            None
        );
    }

    #[test]
    fn releases_and_modifier_keys_send_nothing() {
        let mut release = KeyEvent::from(KeyCode::Char('a'));
        release.kind = KeyEventKind::Release;
        assert_eq!(encode_key(&release, TermModes::default()), None);
        assert_eq!(
            encode_key(&KeyEvent::from(KeyCode::CapsLock), TermModes::default()),
            None
        );
        let mut repeat = KeyEvent::from(KeyCode::Char('a'));
        repeat.kind = KeyEventKind::Repeat;
        assert_eq!(
            encode_key(&repeat, TermModes::default()),
            Some(b"a".to_vec())
        );
    }

    #[test]
    fn paste_converts_newlines_and_brackets() {
        assert_eq!(encode_paste("ls\n", false), b"ls\r");
        assert_eq!(encode_paste("a\r\nb", false), b"a\rb");
        assert_eq!(encode_paste("x", true), b"\x1b[200~x\x1b[201~");
        assert_eq!(
            encode_paste("a\x1b[201~rm -rf\n", true),
            b"\x1b[200~arm -rf\r\x1b[201~"
        );
    }

    #[test]
    fn wheel_reports() {
        assert_eq!(encode_wheel(true, 0, 0, true), b"\x1b[<64;1;1M");
        assert_eq!(encode_wheel(false, 9, 4, true), b"\x1b[<65;10;5M");
        assert_eq!(encode_wheel(true, 0, 0, false), b"\x1b[M`!!");
        assert_eq!(encode_wheel(false, 500, 0, false)[4], 255);
    }
}
