//! What a student types: a room code and a name to join, coin amounts to pay.

use ledger::Amount;
use node::classroom::MAX_NAME_CHARS;

/// Length of the join codes `chainlab serve` hands out.
pub const CODE_LEN: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("a room code has {CODE_LEN} letters and digits")]
    BadCode,
    #[error("a name needs 1 to {MAX_NAME_CHARS} characters")]
    BadName,
    #[error("an amount is a number of coins with at most 8 decimals, like 1.5")]
    BadAmount,
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

/// Coins as typed (`1.5`, `0,25`, `3`) to an exact amount; no rounding, ever.
pub fn parse_coins(typed: &str) -> Result<Amount, JoinError> {
    let text = typed.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty())
        || !digits(whole)
        || !digits(fraction)
        || fraction.len() > 8
    {
        return Err(JoinError::BadAmount);
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| JoinError::BadAmount)?
    };
    let fraction: u64 = format!("{fraction:0<8}")
        .parse()
        .map_err(|_| JoinError::BadAmount)?;
    whole
        .checked_mul(Amount::COIN.to_sat())
        .and_then(|sats| sats.checked_add(fraction))
        .and_then(|sats| Amount::from_sat(sats).ok())
        .ok_or(JoinError::BadAmount)
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
    fn coins_parse_exactly_or_not_at_all() {
        let sats = |typed: &str| parse_coins(typed).map(Amount::to_sat);
        assert_eq!(sats("1.5"), Ok(150_000_000));
        assert_eq!(sats(" 0,00000001 "), Ok(1));
        assert_eq!(sats("3"), Ok(300_000_000));
        assert_eq!(sats(".25"), Ok(25_000_000));
        assert_eq!(sats("1.123456789"), Err(JoinError::BadAmount));
        assert_eq!(sats("-1"), Err(JoinError::BadAmount));
        assert_eq!(sats("1e3"), Err(JoinError::BadAmount));
        assert_eq!(sats("."), Err(JoinError::BadAmount));
        assert_eq!(sats("21000001"), Err(JoinError::BadAmount));
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
