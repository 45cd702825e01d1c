//! Runs the whole pipeline on one file, the way the server does, and prints what it wrote:
//! `cargo run -p ruche-media --example ladder -- SOURCE OUT_DIR`. Handy to eyeball the files.

use std::error::Error;
use std::path::PathBuf;

use ruche_media::{
    LadderConfig, check_limits, phases, plan, probe, thumbnails, transcode, write_master_playlist,
    write_segments_sha256,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(source), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: ladder SOURCE OUT_DIR".into());
    };
    let (source, out) = (PathBuf::from(source), PathBuf::from(out));
    std::fs::create_dir_all(&out)?;
    let p = probe(&source).await?;
    check_limits(&p, &ruche_media::Limits::default())?;
    println!("{p:#?}");
    let pl = plan(&p, &LadderConfig::default());
    let (first, rest) = phases(&pl);
    let mut outputs = Vec::new();
    for (n, phase) in [first, rest].iter().enumerate() {
        let started = std::time::Instant::now();
        let report = |f: f32| eprint!("\rphase {}: {:>3.0}%", n + 1, f * 100.0);
        outputs.extend(transcode(&source, &out, &pl, phase, &report).await?);
        eprintln!(" in {:.1} s", started.elapsed().as_secs_f64());
    }
    write_master_playlist(&outputs, &out.join("master.m3u8"))?;
    write_segments_sha256(&outputs, &out.join("segments-sha256.json"))?;
    thumbnails(
        &source,
        &p,
        &out.join("thumbnail.jpg"),
        &out.join("preview.jpg"),
    )
    .await?;
    for o in &outputs {
        println!(
            "{}p {}x{} {} fps {} bytes {} b/s {} → {}",
            o.resolution,
            o.width,
            o.height,
            o.fps,
            o.size,
            o.bandwidth,
            o.codecs,
            o.playlist.display()
        );
    }
    Ok(())
}
