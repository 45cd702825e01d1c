//! The static export: a site as a zip of plain files (`index.html`, its pictures, the module and
//! fonts it loads) that works from any web host or folder.

use std::io::Write;

/// Packs `(path, bytes)` pairs into a zip archive (deflated; pictures and fonts stored, as they
/// are compressed already).
pub fn zip(files: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in files {
        let packed = path.ends_with(".webp") || path.ends_with(".woff2") || path.ends_with(".png");
        let opts = zip::write::SimpleFileOptions::default().compression_method(if packed {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        });
        w.start_file(path.as_str(), opts)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}
