//! Colour themes: every colour the UI uses, loaded from TOML.
//!
//! A theme file is a flat table of `key = "colour"`; keys it leaves out come from the
//! dark theme. Colours are names (`"green"`, `"dark gray"`, `"reset"`), `"#rrggbb"` or a
//! palette index (`"208"`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::Color;

/// The built-in dark theme (the default).
pub const DARK_TOML: &str = include_str!("../../themes/dark.toml");
/// The built-in light theme.
pub const LIGHT_TOML: &str = include_str!("../../themes/light.toml");
/// The high-contrast theme: the wallboard's default.
pub const HIGH_CONTRAST_TOML: &str = include_str!("../../themes/high-contrast.toml");

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme is not valid TOML: {0}")]
    Syntax(String),
    #[error("unknown theme key `{0}`")]
    UnknownKey(String),
    #[error("theme key `{key}`: `{value}` is not a colour (a name, #rrggbb or 0-255)")]
    BadColor { key: String, value: String },
    #[error("theme key `{0}` must be a string")]
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
        }

        impl Theme {
            /// Every key a theme file may set.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// All colours `Reset`: the base the dark theme is read onto.
            fn plain() -> Theme {
                Theme { $($field: Color::Reset,)* }
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

    /// Reads a theme; keys it leaves out come from the dark theme.
    pub fn from_toml_str(s: &str) -> Result<Theme, ThemeError> {
        apply_toml(Theme::default(), s)
    }

    /// `dark` and `light` are built in; any other name is looked up as
    /// `<themes_dir>/<name>.toml`, then taken as a path to a theme file.
    pub fn load(name_or_path: &str, themes_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        match name_or_path {
            "dark" => return Ok(Theme::default()),
            "light" => return Ok(Theme::light()),
            "high-contrast" => return Ok(Theme::high_contrast()),
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

fn apply_toml(mut theme: Theme, s: &str) -> Result<Theme, ThemeError> {
    let table: toml::Table = s
        .parse()
        .map_err(|e: toml::de::Error| ThemeError::Syntax(e.message().to_string()))?;
    for (key, value) in &table {
        let Some(text) = value.as_str() else {
            return Err(ThemeError::NotAString(key.clone()));
        };
        let color = Color::from_str(text.trim()).map_err(|_| ThemeError::BadColor {
            key: key.clone(),
            value: text.to_string(),
        })?;
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
        assert!(apply_toml(Theme::plain(), DARK_TOML).is_ok());
        assert_ne!(Theme::default(), Theme::light());
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
        let e = Theme::from_toml_str("ok = 3").unwrap_err();
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
}
