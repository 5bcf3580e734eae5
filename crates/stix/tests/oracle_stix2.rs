//! Selat's deterministic SCO ids equal the OASIS `stix2` library's, for a generated sample of every
//! SCO type (run from the test venv; see `scripts/test`).

use serde_json::{Value, json};

/// A few objects of every SCO type, varied in which id-contributing properties they carry.
fn sample() -> Vec<Value> {
    let email = "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3";
    let ip = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd";
    let dir = "directory--93c0a9b0-520d-545d-9094-1a08ddf46b05";
    let mut out = vec![
        json!({"type": "artifact", "url": "https://example.com/a.bin", "hashes": {"SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"}}),
        json!({"type": "artifact", "payload_bin": "aGVsbG8gd29ybGQ=", "mime_type": "image/png"}),
        json!({"type": "autonomous-system", "number": 15139, "name": "Slime Industries"}),
        json!({"type": "directory", "path": "C:\\Windows\\System32"}),
        json!({"type": "domain-name", "value": "example.com"}),
        json!({"type": "domain-name", "value": "münchen.example", "resolves_to_refs": [ip]}),
        json!({"type": "email-addr", "value": "john@example.com", "display_name": "John Doe"}),
        json!({"type": "email-message", "is_multipart": false, "from_ref": email, "subject": "Saying Hello", "body": "Hi"}),
        json!({"type": "email-message", "is_multipart": false, "subject": "Only a subject"}),
        json!({"type": "file", "name": "qwerty.dll"}),
        json!({"type": "file", "hashes": {"SHA-256": "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db", "MD5": "8d98ed7e3d3a0ec3ae12c7b5e3b2b8c0"}, "name": "foo.exe"}),
        json!({"type": "file", "name": "a.txt", "parent_directory_ref": dir, "extensions": {"ntfs-ext": {"sid": "1234"}}}),
        json!({"type": "ipv4-addr", "value": "198.51.100.3"}),
        json!({"type": "ipv4-addr", "value": "10.2.4.5/24"}),
        json!({"type": "ipv6-addr", "value": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"}),
        json!({"type": "mac-addr", "value": "d2:fb:49:24:37:18"}),
        json!({"type": "mutex", "name": "__CLEANSWEEP__"}),
        json!({"type": "network-traffic", "src_ref": ip, "dst_port": 443, "protocols": ["ipv4", "tcp"]}),
        json!({"type": "network-traffic", "src_ref": ip, "dst_ref": ip, "src_port": 2487, "dst_port": 1723, "protocols": ["ipv4", "pptp"], "start": "2016-01-20T14:11:25.55Z"}),
        json!({"type": "software", "name": "Word", "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "version": "2002", "vendor": "Microsoft"}),
        json!({"type": "url", "value": "https://example.com/research/index.html"}),
        json!({"type": "user-account", "user_id": "1001", "account_login": "jdoe", "account_type": "unix"}),
        json!({"type": "windows-registry-key", "key": "hkey_local_machine\\system\\bar\\foo", "values": [{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}]}),
        json!({"type": "x509-certificate", "serial_number": "36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"}),
        json!({"type": "x509-certificate", "hashes": {"SHA-256": "e4b1b6e1f3a2d1e1b0c9f4c7d2e1a3b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1"}, "issuer": "C=ZA"}),
    ];
    for n in 0..20 {
        out.push(json!({"type": "ipv4-addr", "value": format!("203.0.113.{n}")}));
        out.push(json!({"type": "domain-name", "value": format!("host{n}.example.org")}));
        out.push(json!({"type": "file", "name": format!("doc{n}.pdf"), "hashes": {"MD5": format!("{:032x}", n * 7919)}}));
    }
    for object in &mut out {
        object["spec_version"] = json!("2.1");
    }
    out
}

#[test]
fn deterministic_ids_equal_the_stix2_library() {
    let Some(python) = selat_testdata::python("deterministic_ids_equal_the_stix2_library") else { return };
    let objects = sample();
    let script = r#"
import json, sys, stix2
out = []
for obj in json.load(sys.stdin):
    out.append(stix2.parse(obj, allow_custom=True, version="2.1").id)
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &objects).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    let mismatches: Vec<String> = objects
        .iter()
        .zip(&theirs)
        .filter_map(|(object, their_id)| {
            let ours = selat_stix::sco_id::deterministic_id(object);
            (ours.as_deref() != Some(their_id.as_str()))
                .then(|| format!("{object}: ours {ours:?}, stix2 {their_id}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        objects.len(),
        mismatches.join("\n")
    );
}
