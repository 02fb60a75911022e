//! The last snapshot on disk: shown at start-up, marked cached, until fresh data replaces it.

use std::path::{Path, PathBuf};

use crate::model::Snapshot;

/// Bumped when the snapshot's shape changes; other versions are ignored.
const VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct OnDisk {
    version: u32,
    snapshot: Snapshot,
}

/// `$XDG_CACHE_HOME/ssm-cockpit/<profile>.json` (`default` without a profile; the demo
/// estate uses its own name).
pub fn cache_path(profile: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "ssm-cockpit")?;
    Some(
        dirs.cache_dir()
            .join(format!("{}.json", file_stem(profile))),
    )
}

/// A profile name made safe as a file name.
fn file_stem(profile: &str) -> String {
    let s: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        format!("profile-{s}")
    } else {
        s
    }
}

/// Reads the snapshot at `path`. A missing file is `None`; an unreadable, corrupt or
/// other-version file is `None` with a log line.
pub fn load(path: &Path) -> Option<Snapshot> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            tracing::warn!(path = %path.display(), "cache not read: {e}");
            return None;
        }
    };
    match serde_json::from_slice::<OnDisk>(&bytes) {
        Ok(d) if d.version == VERSION => Some(d.snapshot),
        Ok(d) => {
            tracing::info!(path = %path.display(), version = d.version, "cache of another version ignored");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), "corrupt cache ignored: {e}");
            None
        }
    }
}

/// Writes the snapshot atomically: a temporary file beside `path`, then a rename.
pub fn save(path: &Path, snapshot: &Snapshot) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let result = (|| {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer(
            &mut w,
            &OnDiskRef {
                version: VERSION,
                snapshot,
            },
        )
        .map_err(std::io::Error::other)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[derive(serde::Serialize)]
struct OnDiskRef<'a> {
    version: u32,
    snapshot: &'a Snapshot,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names_become_safe_file_names() {
        assert_eq!(file_stem("prod-admin"), "prod-admin");
        assert_eq!(file_stem("../etc/x"), "profile-.._etc_x");
        assert_eq!(file_stem("a b/c"), "a_b_c");
        assert_eq!(file_stem(""), "profile-");
    }

    #[test]
    fn corrupt_and_missing_files_are_none() {
        let dir = std::env::temp_dir().join(format!("ssm-cockpit-cache-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join("x.json");
        assert!(load(&p).is_none());
        std::fs::write(&p, b"{not json").expect("write");
        assert!(load(&p).is_none());
        let snap = Snapshot {
            saved_at: chrono::Utc::now(),
            discovery_note: Some("n".into()),
            scopes: vec![],
            explorer: None,
        };
        save(&p, &snap).expect("save");
        assert_eq!(load(&p), Some(snap));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
