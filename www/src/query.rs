//! Reading an embed URL's query string (`?difficulty=16&lang=zh`).

/// `key=value` pairs in order, `+` and percent escapes decoded. A malformed escape is
/// kept as typed: a wrong setting then gets the widget's own clear error message.
pub fn parse(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', hi, lo]) => hex_digit(*hi).zip(hex_digit(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn reads_pairs_in_order() {
        assert_eq!(
            parse("?difficulty=16&lang=zh"),
            pairs(&[("difficulty", "16"), ("lang", "zh")])
        );
        assert_eq!(parse(""), pairs(&[]));
        assert_eq!(parse("?flag&&x="), pairs(&[("flag", ""), ("x", "")]));
    }

    #[test]
    fn decodes_escapes_and_utf8() {
        assert_eq!(
            parse("text=hello+world%21"),
            pairs(&[("text", "hello world!")])
        );
        assert_eq!(parse("text=%E5%93%88%E5%B8%8C"), pairs(&[("text", "哈希")]));
        assert_eq!(parse("text=100%"), pairs(&[("text", "100%")]));
        assert_eq!(parse("text=%zz"), pairs(&[("text", "%zz")]));
        assert_eq!(parse("text=%4"), pairs(&[("text", "%4")]));
    }
}
