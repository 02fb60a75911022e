//! Colour themes: every colour the UI uses, loaded from TOML. This is the theme's data
//! (colour values, parsing of `themes/*.toml`, fitting to the terminal); the drawing code
//! of `ui` reads it.
//!
//! A theme file is a flat table of `key = "colour"`; keys it leaves out come from the
//! dark theme. Colours are names (`"green"`, `"dark gray"`, `"reset"`), `"#rrggbb"` or a
//! palette index (`"208"`).
//!
//! [`Theme::adapt`] fits a theme to the terminal: no colours under `NO_COLOR`, RGB mapped
//! to the xterm-256 palette when the terminal lacks true colour.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier};

/// The built-in dark theme (the default).
pub const DARK_TOML: &str = include_str!("../../themes/dark.toml");
/// The built-in light theme.
pub const LIGHT_TOML: &str = include_str!("../../themes/light.toml");
/// The high-contrast theme: the wallboard's default.
pub const HIGH_CONTRAST_TOML: &str = include_str!("../../themes/high-contrast.toml");
/// The colour-blind-safe theme (Okabe–Ito palette).
pub const COLORBLIND_TOML: &str = include_str!("../../themes/colorblind.toml");

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme is not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown theme key `{0}`")]
    UnknownKey(String),
    #[error("theme key `{key}`: `{value}` is not a colour (a name, #rrggbb or 0-255)")]
    BadColor { key: String, value: String },
    #[error(
        "theme key `{0}` must be a colour: a name or #rrggbb in quotes, or a 0-255 palette index"
    )]
    NotAString(String),
    #[error("cannot read theme {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

macro_rules! theme_struct {
    ($($field:ident),* $(,)?) => {
        /// Every colour the UI uses.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Theme {
            $(pub $field: Color,)*
            /// Added to the selection's style: `REVERSED` when there are no colours.
            pub selection: Modifier,
        }

        impl Theme {
            /// Every key a theme file may set.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// All colours `Reset`: the base the dark theme is read onto.
            fn plain() -> Theme {
                Theme { $($field: Color::Reset,)* selection: Modifier::empty() }
            }

            /// Every colour through `f`.
            fn map_colors(mut self, f: impl Fn(Color) -> Color) -> Theme {
                $(self.$field = f(self.$field);)*
                self
            }

            fn set(&mut self, key: &str, color: Color) -> bool {
                match key {
                    $(stringify!($field) => self.$field = color,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

theme_struct!(
    fg,
    bg,
    muted,
    accent,
    border,
    header_fg,
    header_bg,
    title,
    badge_fg,
    badge_ro_bg,
    badge_demo_bg,
    table_header_fg,
    table_header_bg,
    selected_fg,
    selected_bg,
    ping_online,
    ping_lost,
    ping_inactive,
    ping_unknown,
    agent_outdated,
    filter_prompt,
    filter_fg,
    filter_error,
    status_fg,
    status_bg,
    ok,
    warn,
    error,
    popup_fg,
    popup_bg,
    popup_border,
    key,
    sev_critical,
    sev_high,
    sev_medium,
    sev_low,
    compliant,
    non_compliant,
);

impl Default for Theme {
    /// The dark theme.
    fn default() -> Theme {
        apply_toml(Theme::plain(), DARK_TOML).unwrap_or_else(|_| Theme::plain())
    }
}

impl Theme {
    /// The light theme.
    pub fn light() -> Theme {
        Theme::from_toml_str(LIGHT_TOML).unwrap_or_default()
    }

    /// White on black, saturated colours: the wallboard's default.
    pub fn high_contrast() -> Theme {
        Theme::from_toml_str(HIGH_CONTRAST_TOML).unwrap_or_default()
    }

    /// Okabe–Ito colours: no red/green pair carries meaning alone.
    pub fn colorblind() -> Theme {
        Theme::from_toml_str(COLORBLIND_TOML).unwrap_or_default()
    }

    /// The theme as `support` can show it: all colours `Reset` (selection reversed) for
    /// [`ColorSupport::None`], RGB mapped to the 256-colour palette for
    /// [`ColorSupport::Palette256`].
    pub fn adapt(self, support: ColorSupport) -> Theme {
        match support {
            ColorSupport::TrueColor => self,
            ColorSupport::Palette256 => self.map_colors(|c| match c {
                Color::Rgb(r, g, b) => Color::Indexed(rgb_to_ansi256(r, g, b)),
                other => other,
            }),
            ColorSupport::None => Theme {
                selection: Modifier::REVERSED,
                ..self.map_colors(|_| Color::Reset)
            },
        }
    }

    /// Reads a theme; keys it leaves out come from the dark theme.
    pub fn from_toml_str(s: &str) -> Result<Theme, ThemeError> {
        apply_toml(Theme::default(), s)
    }

    /// `dark`, `light`, `high-contrast` and `colorblind` are built in; any other name is looked up as
    /// `<themes_dir>/<name>.toml`, then taken as a path to a theme file.
    pub fn load(name_or_path: &str, themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        match name_or_path {
            "dark" => return Ok(Theme::default()),
            "light" => return Ok(Theme::light()),
            "high-contrast" => return Ok(Theme::high_contrast()),
            "colorblind" => return Ok(Theme::colorblind()),
            _ => {}
        }
        let path = themes_dir
            .map(|dir| dir.join(format!("{name_or_path}.toml")))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from(name_or_path));
        let text = std::fs::read_to_string(&path).map_err(|source| ThemeError::Io {
            path: path.clone(),
            source,
        })?;
        Theme::from_toml_str(&text)
    }
}

/// What colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSupport {
    /// 24-bit RGB.
    TrueColor,
    /// The xterm 256-colour palette.
    Palette256,
    /// No colours at all (`NO_COLOR`).
    None,
}

impl ColorSupport {
    /// From the environment: `NO_COLOR` and `COLORTERM`.
    pub fn detect() -> ColorSupport {
        let no_color = std::env::var_os("NO_COLOR");
        let colorterm = std::env::var("COLORTERM").ok();
        ColorSupport::from_env(no_color.as_deref(), colorterm.as_deref())
    }

    /// `NO_COLOR` set and non-empty wins (no-color.org); true colour only when `COLORTERM`
    /// is `truecolor` or `24bit`.
    pub fn from_env(no_color: Option<&std::ffi::OsStr>, colorterm: Option<&str>) -> ColorSupport {
        if no_color.is_some_and(|v| !v.is_empty()) {
            return ColorSupport::None;
        }
        match colorterm.map(|c| c.trim().to_ascii_lowercase()) {
            Some(c) if c == "truecolor" || c == "24bit" => ColorSupport::TrueColor,
            _ => ColorSupport::Palette256,
        }
    }
}

/// Levels of the xterm 6×6×6 colour cube (indices 16-231).
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The nearest xterm-256 colour to an RGB one: the closer of the colour cube (16-231) and
/// the grey ramp (232-255), by squared distance.
pub fn rgb_to_ansi256(r: u8, g: u8, b: u8) -> u8 {
    let dist = |(r2, g2, b2): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, r2) + d(g, g2) + d(b, b2)
    };
    let level = |v: u8| {
        (0..CUBE.len())
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (level(r), level(g), level(b));
    let cube = (CUBE[ri], CUBE[gi], CUBE[bi]);
    let cube_index = 16 + 36 * ri + 6 * gi + bi;
    // Grey ramp: 8, 18, ..., 238.
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let gi = (avg.saturating_sub(3) / 10).min(23);
    let grey_level = (8 + 10 * gi) as u8;
    let grey_index = 232 + gi as usize;
    let best = if dist((grey_level, grey_level, grey_level)) < dist(cube) {
        grey_index
    } else {
        cube_index
    };
    u8::try_from(best).unwrap_or(u8::MAX)
}

fn apply_toml(mut theme: Theme, s: &str) -> Result<Theme, ThemeError> {
    let table: toml::Table = s
        .parse()
        .map_err(|e: toml::de::Error| ThemeError::Syntax(e.message().to_string()))?;
    for (key, value) in &table {
        let color = match value {
            // A palette index written as a number: 208, as "208" is.
            toml::Value::Integer(n) => {
                u8::try_from(*n)
                    .map(Color::Indexed)
                    .map_err(|_| ThemeError::BadColor {
                        key: key.clone(),
                        value: n.to_string(),
                    })?
            }
            toml::Value::String(text) => {
                Color::from_str(text.trim()).map_err(|_| ThemeError::BadColor {
                    key: key.clone(),
                    value: text.to_string(),
                })?
            }
            _ => return Err(ThemeError::NotAString(key.clone())),
        };
        if !theme.set(key, color) {
            return Err(ThemeError::UnknownKey(key.clone()));
        }
    }
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(s: &str) -> Vec<String> {
        let t: toml::Table = s.parse().expect("valid toml");
        let mut k: Vec<String> = t.keys().cloned().collect();
        k.sort();
        k
    }

    #[test]
    fn built_in_themes_set_every_key() {
        let mut all: Vec<String> = Theme::KEYS.iter().map(|k| k.to_string()).collect();
        all.sort();
        assert_eq!(keys_of(DARK_TOML), all);
        assert_eq!(keys_of(LIGHT_TOML), all);
        assert_eq!(keys_of(HIGH_CONTRAST_TOML), all);
        assert_eq!(keys_of(COLORBLIND_TOML), all);
        assert!(apply_toml(Theme::plain(), COLORBLIND_TOML).is_ok());
        assert_eq!(
            Theme::load("colorblind", None).ok(),
            Some(Theme::colorblind())
        );
        assert_ne!(Theme::colorblind(), Theme::default());
        assert!(apply_toml(Theme::plain(), DARK_TOML).is_ok());
        assert_ne!(Theme::default(), Theme::light());
    }

    #[test]
    fn palette_indexes_as_numbers_or_text() {
        let t = Theme::from_toml_str("ok = 208\nerror = \"196\"\nwarn = 0").expect("valid");
        assert_eq!(t.ok, Color::Indexed(208));
        assert_eq!(t.error, Color::Indexed(196));
        assert_eq!(t.warn, Color::Indexed(0));
        assert!(Theme::from_toml_str("ok = -1").is_err());
    }

    #[test]
    fn partial_theme_falls_back_to_dark() {
        let t = Theme::from_toml_str("error = \"#ff0000\"").expect("valid");
        assert_eq!(t.error, Color::Rgb(255, 0, 0));
        assert_eq!(t.ok, Theme::default().ok);
    }

    #[test]
    fn errors_name_the_bad_key() {
        let e = Theme::from_toml_str("nope = \"red\"").unwrap_err();
        assert!(e.to_string().contains("nope"), "{e}");
        let e = Theme::from_toml_str("ok = \"not-a-colour\"").unwrap_err();
        assert!(e.to_string().contains("`ok`"), "{e}");
        let e = Theme::from_toml_str("ok = 256").unwrap_err();
        assert!(e.to_string().contains("`ok`"), "{e}");
        let e = Theme::from_toml_str("ok = true").unwrap_err();
        assert!(e.to_string().contains("`ok`"), "{e}");
        assert!(matches!(
            Theme::from_toml_str("ok = "),
            Err(ThemeError::Syntax(_))
        ));
    }

    #[test]
    fn load_finds_built_ins_and_files() {
        assert_eq!(Theme::load("dark", None).ok(), Some(Theme::default()));
        assert_eq!(Theme::load("light", None).ok(), Some(Theme::light()));
        let dir = std::env::temp_dir().join(format!("ssm-cockpit-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("mine.toml"), "accent = \"blue\"\n").expect("write");
        let t = Theme::load("mine", Some(&dir)).expect("loads");
        assert_eq!(t.accent, Color::Blue);
        let by_path = dir.join("mine.toml");
        let t = Theme::load(&by_path.to_string_lossy(), None).expect("loads");
        assert_eq!(t.accent, Color::Blue);
        assert!(matches!(
            Theme::load("missing", Some(&dir)),
            Err(ThemeError::Io { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rgb_maps_to_nearest_palette_index() {
        assert_eq!(rgb_to_ansi256(0, 0, 0), 16);
        assert_eq!(rgb_to_ansi256(255, 255, 255), 231);
        assert_eq!(rgb_to_ansi256(255, 0, 0), 196);
        assert_eq!(rgb_to_ansi256(0, 255, 0), 46);
        assert_eq!(rgb_to_ansi256(0, 0, 255), 21);
        assert_eq!(rgb_to_ansi256(0xff, 0x87, 0x00), 208);
        assert_eq!(rgb_to_ansi256(0x00, 0xd7, 0xff), 45);
        // Greys go to the ramp.
        assert_eq!(rgb_to_ansi256(0x80, 0x80, 0x80), 244);
        assert_eq!(rgb_to_ansi256(0x12, 0x12, 0x12), 233);
        assert_eq!(rgb_to_ansi256(0xee, 0xee, 0xee), 255);
    }

    #[test]
    fn adapt_to_color_support() {
        let t = Theme::colorblind();
        assert_eq!(t.adapt(ColorSupport::TrueColor), t);
        let p = t.adapt(ColorSupport::Palette256);
        assert_eq!(
            p.ping_lost,
            Color::Indexed(rgb_to_ansi256(0xd5, 0x5e, 0x00))
        );
        assert_eq!(p.bg, Color::Reset);
        assert_eq!(p.selection, Modifier::empty());
        let n = t.adapt(ColorSupport::None);
        assert_eq!(n.ping_online, Color::Reset);
        assert_eq!(n.selected_bg, Color::Reset);
        assert_eq!(n.selection, Modifier::REVERSED);
    }

    #[test]
    fn color_support_from_env() {
        use std::ffi::OsStr;
        let on = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert_eq!(
            ColorSupport::from_env(on, Some("truecolor")),
            ColorSupport::None
        );
        assert_eq!(
            ColorSupport::from_env(empty, Some("truecolor")),
            ColorSupport::TrueColor
        );
        assert_eq!(
            ColorSupport::from_env(None, Some("24bit")),
            ColorSupport::TrueColor
        );
        assert_eq!(
            ColorSupport::from_env(None, Some("yes")),
            ColorSupport::Palette256
        );
        assert_eq!(ColorSupport::from_env(None, None), ColorSupport::Palette256);
    }
}
