//! Writes the sim's key pair as a profile of the shared AWS credentials file, leaving
//! every other profile (and whatever else the file holds) as it was.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::auth::SimCredentials;

const KEYS: [&str; 3] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
pub(crate) fn credentials_file() -> io::Result<PathBuf> {
    if let Some(p) = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        // The SDKs expand a leading `~/` here too.
        if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), home_dir()) {
            return Ok(home.join(rest));
        }
        return Ok(p);
    }
    home_dir()
        .map(|h| h.join(".aws").join("credentials"))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no home directory to find ~/.aws/credentials in: set AWS_SHARED_CREDENTIALS_FILE",
            )
        })
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
}

/// Whether `name` can be a profile name (a `[section]` of the credentials file).
pub(crate) fn check_name(name: &str) -> io::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.@+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{name:?} is not a usable profile name: use up to 64 letters, digits and - _ . @ +"
            ),
        ))
    }
}

/// The section name of a `[name]` line.
fn section(line: &str) -> Option<&str> {
    let t = line.trim();
    t.strip_prefix('[')?.strip_suffix(']').map(str::trim)
}

/// Whether `line` sets one of the keys this profile writes.
fn sets_credential(line: &str) -> bool {
    line.split_once('=')
        .is_some_and(|(k, _)| KEYS.contains(&k.trim().to_ascii_lowercase().as_str()))
}

/// `text` with profile `name` holding `creds`: its keys replaced in place (a stale session
/// token dropped), its other settings and every other profile kept; appended when absent.
pub(crate) fn update(text: &str, name: &str, creds: &SimCredentials) -> String {
    let pair = [
        format!("aws_access_key_id = {}", creds.access_key_id),
        format!("aws_secret_access_key = {}", creds.secret_access_key),
    ];
    let mut out: Vec<String> = Vec::new();
    let mut in_profile = false;
    let mut written = false;
    for line in text.lines() {
        if let Some(s) = section(line) {
            in_profile = s == name;
            out.push(line.to_string());
            if in_profile && !written {
                out.extend(pair.iter().cloned());
                written = true;
            }
            continue;
        }
        if in_profile && sets_credential(line) {
            continue;
        }
        out.push(line.to_string());
    }
    if !written {
        if out.last().is_some_and(|l| !l.trim().is_empty()) {
            out.push(String::new());
        }
        out.push(format!("[{name}]"));
        out.extend(pair.iter().cloned());
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Writes profile `name` into the credentials file at `path` (created, with its directory,
/// when missing). The file is replaced atomically and readable by its owner only.
pub(crate) fn write(path: &Path, name: &str, creds: &SimCredentials) -> io::Result<()> {
    check_name(name)?;
    // Write through a symlink to the file it points at.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)?;
    }
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let text = update(&old, name, creds);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "credentials".into());
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> SimCredentials {
        SimCredentials::new("AKIAPROFILETEST00001", "s3cr3t/+x").unwrap()
    }

    #[test]
    fn a_new_profile_is_appended_and_others_are_kept() {
        let old = "[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other\n\n[work]\nregion = eu-west-1\n";
        let new = update(old, "sim", &creds());
        assert!(new.starts_with(old), "{new}");
        assert!(new.ends_with("\n[sim]\naws_access_key_id = AKIAPROFILETEST00001\naws_secret_access_key = s3cr3t/+x\n"), "{new}");
        assert_eq!(
            update("", "sim", &creds()),
            "[sim]\naws_access_key_id = AKIAPROFILETEST00001\naws_secret_access_key = s3cr3t/+x\n"
        );
    }

    #[test]
    fn an_existing_profile_is_updated_in_place() {
        let old = "[default]\naws_access_key_id = AKIAOTHER\n[sim]\n# a comment\naws_access_key_id=OLD\n AWS_Secret_Access_Key = old\naws_session_token = stale\nregion = us-east-1\n[after]\nx = 1\n";
        let new = update(old, "sim", &creds());
        assert_eq!(
            new,
            "[default]\naws_access_key_id = AKIAOTHER\n[sim]\naws_access_key_id = AKIAPROFILETEST00001\naws_secret_access_key = s3cr3t/+x\n# a comment\nregion = us-east-1\n[after]\nx = 1\n"
        );
        // Idempotent.
        assert_eq!(update(&new, "sim", &creds()), new);
    }

    #[test]
    fn the_file_is_written_privately_and_bad_names_are_refused() {
        let dir = std::env::temp_dir().join(format!("ssm-cockpit-profile-{}", std::process::id()));
        let path = dir.join("aws").join("credentials");
        write(&path, "sim", &creds()).unwrap();
        std::fs::write(
            &path,
            format!("[keep]\nx = 1\n{}", std::fs::read_to_string(&path).unwrap()),
        )
        .unwrap();
        write(&path, "sim", &creds()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("[keep]\nx = 1\n[sim]\n"), "{text}");
        assert_eq!(text.matches("aws_access_key_id").count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        for bad in ["", "a b", "x]", "[x", "a\nb"] {
            assert!(write(&path, bad, &creds()).is_err(), "{bad:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
