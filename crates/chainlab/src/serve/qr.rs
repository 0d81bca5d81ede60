//! The join link as a QR code, so a class can join from phones by pointing a camera at
//! the projector instead of typing an address.

use qrcode::QrCode;
use qrcode::render::svg;

pub fn svg(url: &str) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::new(url.as_bytes())?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_standalone_svg() {
        let image = svg("https://192.168.1.20:8443/class/K7M2QX").unwrap();
        assert!(image.starts_with("<?xml"), "{}", &image[..40]);
        assert!(image.contains("<svg") && image.trim_end().ends_with("</svg>"));
        assert!(image.contains("<path"), "the modules are drawn as one path");
    }
}
