//! What a student types to join: a room code and a name.

use node::classroom::MAX_NAME_CHARS;

/// Length of the join codes `chainlab serve` hands out.
pub const CODE_LEN: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("a room code has {CODE_LEN} letters and digits")]
    BadCode,
    #[error("a name needs 1 to {MAX_NAME_CHARS} characters")]
    BadName,
}

/// The code as the server writes it: upper case, spaces and dashes removed.
pub fn normalize_code(typed: &str) -> Result<String, JoinError> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.chars().count() == CODE_LEN && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(code)
    } else {
        Err(JoinError::BadCode)
    }
}

/// The name trimmed, within the length the room accepts.
pub fn normalize_name(typed: &str) -> Result<String, JoinError> {
    let name = typed.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(JoinError::BadName);
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_forgivingly_and_refused_clearly() {
        assert_eq!(normalize_code(" ab3-x9 k"), Ok("AB3X9K".to_string()));
        assert_eq!(normalize_code("ABC12"), Err(JoinError::BadCode));
        assert_eq!(normalize_code("ABC12!"), Err(JoinError::BadCode));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(normalize_name("  李雷 "), Ok("李雷".to_string()));
        assert_eq!(normalize_name("   "), Err(JoinError::BadName));
        assert_eq!(
            normalize_name(&"x".repeat(MAX_NAME_CHARS + 1)),
            Err(JoinError::BadName)
        );
    }
}
