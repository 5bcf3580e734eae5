//! The stored form of an object: its JSON text with the insignificant whitespace removed and
//! nothing else changed (key order, number spelling, escapes and unknown properties stay
//! byte-exact), so what a producer sent is what a consumer gets.

/// Removes whitespace outside strings. `json` must already be valid JSON (parse it first).
pub fn compact(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if b == b'"' {
            let end = string_end(json, i);
            out.extend_from_slice(&json[i..end]);
            i = end;
        } else {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                out.push(b);
            }
            i += 1;
        }
    }
    out
}

/// Index just past the string starting at `start` (which is a quote).
fn string_end(json: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(off) = memchr::memchr2(b'"', b'\\', &json[i..]) {
        i += off;
        if json[i] == b'\\' {
            i += 2;
        } else {
            return i + 1;
        }
    }
    json.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_outside_strings_only() {
        for (input, want) in [
            (" { \"a\" : [ 1 , 2.50 ] ,\n\t\"b\" : \"x y\\\" z\" } ", r#"{"a":[1,2.50],"b":"x y\" z"}"#),
            (r#"{"k":"\\"}"#, r#"{"k":"\\"}"#),
            ("{\"e\":\"\\u00e9 \\n\"}", "{\"e\":\"\\u00e9 \\n\"}"),
        ] {
            assert_eq!(String::from_utf8(compact(input.as_bytes())).unwrap(), want);
        }
    }
}
