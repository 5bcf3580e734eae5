//! Turning `PATH...` arguments into readable inputs: files, directories (recursively, the
//! `.json`, `.jsonl` and `.ndjson` files in name order) and `-` for standard input.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_owned(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Opens the input, with its size when known.
    pub fn open(&self) -> anyhow::Result<(Box<dyn Read + Send>, Option<u64>)> {
        match self {
            Input::Stdin => Ok((Box::new(std::io::stdin()), None)),
            Input::File(path) => {
                let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
                let len = file.metadata().ok().map(|m| m.len());
                Ok((Box::new(file), len))
            }
        }
    }
}

/// Expands the arguments; a missing path is an error naming it.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Input::Stdin);
        } else if path.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files).with_context(|| format!("reading directory {}", path.display()))?;
            files.sort();
            out.extend(files.into_iter().map(Input::File));
        } else if path.is_file() {
            out.push(Input::File(path.clone()));
        } else {
            anyhow::bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "jsonl" | "ndjson")) {
            out.push(path);
        }
    }
    Ok(())
}
