//! The adapter contract, checked on the source: chat adapters (src/chat/**) reach keel's data
//! only through service methods, never the store, so that delivery and identity rules stay in
//! the service, written once for every platform.

use std::path::Path;

fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading src/chat") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn chat_adapters_do_not_reach_the_store() {
    let chat = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/chat");
    let mut files = Vec::new();
    rust_files(&chat, &mut files);
    assert!(files.len() > 10, "src/chat has its adapters");
    let mut reaching = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("reading an adapter's file");
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if code.contains("crate::store") || code.contains(".store") {
                reaching.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        reaching.is_empty(),
        "adapters reaching the store:\n{}",
        reaching.join("\n")
    );
}
