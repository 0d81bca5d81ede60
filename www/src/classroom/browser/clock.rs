//! The tab's clock and entropy.

/// Unix milliseconds as `performance.timeOrigin + performance.now()`: monotonic
/// within the tab, and comparable across tabs of one machine (the propagation log).
pub fn now_ms() -> u64 {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return js_sys::Date::now() as u64;
    };
    (performance.time_origin() + performance.now()) as u64
}

/// Bytes from `crypto.getRandomValues`.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .expect("every browser that runs this app has crypto.getRandomValues");
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .expect("random values for a small buffer");
    bytes
}
