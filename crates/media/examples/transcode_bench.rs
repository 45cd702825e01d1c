//! Benchmark of the transcoding ladder: Ruche's one-process cascade against PeerTube's way (one
//! ffmpeg process per rendition), same encoder settings, same machine, alternating rounds.
//!
//! Reports wall-clock time of both, the SSIM of every encoded rendition against the source
//! scaled directly to that size, and the bytes stored per minute of video for Ruche's layout
//! (fragmented MP4 only) against PeerTube's with web videos on (fragmented MP4 + a faststart MP4
//! per resolution). Run through `bench/transcode/run.sh`.
//!
//! Options: `--seconds N` (30), `--rounds N` (3), `--work DIR` (bench/work/transcode).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ruche_media::{
    LadderConfig, Output, Plan, Rendition, plan, probe, transcode, transcode_baseline,
    web_video_from_fragmented,
};

type Res<T> = Result<T, Box<dyn Error>>;

struct Options {
    seconds: u32,
    rounds: u32,
    work: PathBuf,
}

fn options() -> Res<Options> {
    let mut o = Options {
        seconds: 30,
        rounds: 3,
        work: PathBuf::from("bench/work/transcode"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seconds" => o.seconds = value()?.parse()?,
            "--rounds" => o.rounds = value()?.parse()?,
            "--work" => o.work = PathBuf::from(value()?),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

fn run(cmd: &mut Command) -> Res<String> {
    let out = cmd.output()?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {stderr}").into());
    }
    Ok(stderr)
}

/// The 1080p30 test clip: test pattern with light temporal noise (so the encoders have real
/// work), ~8 Mb/s H.264 with a 2 s GOP + AAC stereo, like a phone or camera export.
fn make_source(path: &Path, seconds: u32) -> Res<()> {
    if path.exists() {
        return Ok(());
    }
    eprintln!("generating {} ({seconds} s 1080p30)…", path.display());
    let tmp = path.with_extension("tmp.mp4");
    run(Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(["-f", "lavfi", "-i"])
        .arg(format!("testsrc2=s=1920x1080:r=30:d={seconds}"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:sample_rate=48000:d={seconds}"))
        .args(["-vf", "noise=alls=12:allf=t"])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M"])
        .args([
            "-maxrate", "8M", "-bufsize", "16M", "-g", "60", "-pix_fmt", "yuv420p",
        ])
        .args(["-c:a", "aac", "-b:a", "128k", "-ac", "2"])
        .arg(&tmp))?;
    std::fs::rename(tmp, path)?;
    Ok(())
}

/// SSIM ("All") of `output` against `source` scaled directly to the output's size.
fn ssim(output: &Path, source: &Path, r: &Rendition) -> Res<f64> {
    let graph = format!(
        "[0:v]setpts=PTS-STARTPTS,format=yuv420p[d];\
         [1:v]setpts=PTS-STARTPTS,scale={}:{},format=yuv420p[r];[d][r]ssim",
        r.width, r.height
    );
    let stderr = run(Command::new("ffmpeg")
        .args(["-hide_banner", "-nostdin", "-loglevel", "info", "-i"])
        .arg(output)
        .arg("-i")
        .arg(source)
        .args(["-lavfi", &graph, "-f", "null", "-"]))?;
    let all = stderr
        .lines()
        .filter(|l| l.contains("SSIM Y:"))
        .filter_map(|l| l.split("All:").nth(1))
        .filter_map(|v| v.split_whitespace().next())
        .filter_map(|v| v.parse::<f64>().ok())
        .next_back()
        .ok_or("no SSIM line in ffmpeg's output")?;
    Ok(all)
}

fn fresh_dir(path: &Path) -> Res<()> {
    if path.exists() {
        std::fs::remove_dir_all(path)?;
    }
    std::fs::create_dir_all(path)?;
    Ok(())
}

fn total_size(outputs: &[Output], with_web: bool) -> Res<u64> {
    let mut total = 0;
    for o in outputs {
        total += o.size + std::fs::metadata(&o.playlist)?.len();
        if with_web && let Some(w) = &o.web_video {
            total += std::fs::metadata(w)?.len();
        }
    }
    Ok(total)
}

async fn timed(ours: bool, source: &Path, dir: &Path, plan: &Plan) -> Res<(f64, Vec<Output>)> {
    fresh_dir(dir)?;
    let started = Instant::now();
    let outputs = if ours {
        transcode(source, dir, plan, &plan.renditions, &|_| {}).await?
    } else {
        transcode_baseline(source, dir, plan, &plan.renditions, &|_| {}).await?
    };
    Ok((started.elapsed().as_secs_f64(), outputs))
}

#[tokio::main]
async fn main() -> Res<()> {
    let o = options()?;
    std::fs::create_dir_all(&o.work)?;
    let source = o.work.join(format!("source-1080p30-{}s.mp4", o.seconds));
    make_source(&source, o.seconds)?;
    let p = probe(&source).await?;
    let config = LadderConfig {
        resolutions: vec![1080, 720, 480, 360, 240],
        ..LadderConfig::default()
    };
    let mut pl = plan(&p, &config);
    // Normal priority for both sides: at nice 15 whatever else runs on the machine would
    // decide the timings.
    pl.niceness = 0;
    let ladder: Vec<String> = pl
        .renditions
        .iter()
        .map(|r| {
            format!(
                "{}{}",
                r.resolution,
                if r.copy_video { " (copy)" } else { "" }
            )
        })
        .collect();
    println!(
        "source: {} — {:.1} s, {}x{} {} fps, {:.2} Mb/s; ladder: {}",
        source.display(),
        p.duration,
        p.width,
        p.height,
        p.fps,
        p.bitrate.unwrap_or(0) as f64 / 1e6,
        ladder.join(", ")
    );
    let version = Command::new("ffmpeg").arg("-version").output()?;
    println!(
        "machine: {} CPUs; {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("ffmpeg")
    );

    let ours_dir = o.work.join("ours");
    let base_dir = o.work.join("baseline");
    let mut ours_times = Vec::new();
    let mut base_times = Vec::new();
    let mut ours_out = Vec::new();
    let mut base_out = Vec::new();
    for round in 0..o.rounds {
        // Alternate which goes first, so neither always runs on a warmer (or hotter) machine.
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for ours in order {
            let (dir, label) = if ours {
                (&ours_dir, "ours")
            } else {
                (&base_dir, "baseline")
            };
            let (secs, outputs) = timed(ours, &source, dir, &pl).await?;
            println!("round {}: {label:<8} {secs:7.2} s", round + 1);
            if ours {
                ours_times.push(secs);
                ours_out = outputs;
            } else {
                base_times.push(secs);
                base_out = outputs;
            }
        }
    }
    let ours_total: f64 = ours_times.iter().sum();
    let base_total: f64 = base_times.iter().sum();
    let ratios: Vec<String> = ours_times
        .iter()
        .zip(&base_times)
        .map(|(o, b)| format!("{:.2}", b / o))
        .collect();
    println!(
        "wall clock: ours {:.2} s, baseline {:.2} s per ladder (mean of {}); speed-up baseline/ours = {:.2}× (per round: {})",
        ours_total / ours_times.len() as f64,
        base_total / base_times.len() as f64,
        ours_times.len(),
        base_total / ours_total,
        ratios.join(", ")
    );

    println!("SSIM against the source scaled directly (encoded renditions):");
    let mut worst_delta = f64::NEG_INFINITY;
    for r in pl.renditions.iter().filter(|r| !r.copy_video) {
        let find = |outs: &[Output]| {
            outs.iter()
                .find(|o| o.resolution == r.resolution)
                .map(|o| o.fragmented.clone())
                .ok_or("missing rendition")
        };
        let ours = ssim(&find(&ours_out)?, &source, r)?;
        let base = ssim(&find(&base_out)?, &source, r)?;
        worst_delta = worst_delta.max(base - ours);
        let size = |outs: &[Output]| {
            outs.iter()
                .find(|o| o.resolution == r.resolution)
                .map_or(0, |o| o.size)
        };
        println!(
            "  {:>4}p {}x{}: ours {ours:.5}  baseline {base:.5}  (baseline − ours {:+.5}); bytes ours {} baseline {}",
            r.resolution,
            r.width,
            r.height,
            base - ours,
            size(&ours_out),
            size(&base_out)
        );
    }

    // PeerTube's layout with web videos on: the same fragmented MP4s plus one faststart MP4 per
    // resolution, made here by remuxing the baseline's outputs (outside the timings).
    for out in &mut base_out {
        let dest = out.fragmented.with_file_name(
            out.fragmented
                .file_name()
                .map(|n| n.to_string_lossy().replace("-fragmented.mp4", ".mp4"))
                .unwrap_or_default(),
        );
        web_video_from_fragmented(&out.fragmented, &dest).await?;
        out.web_video = Some(dest);
    }
    let minutes = p.duration / 60.0;
    let ours_bytes = total_size(&ours_out, false)? as f64 / minutes;
    let peertube_bytes = total_size(&base_out, true)? as f64 / minutes;
    println!(
        "storage per minute of video: ours {:.1} MB (HLS fragmented MP4 only), PeerTube with web videos {:.1} MB; ratio {:.3}",
        ours_bytes / 1e6,
        peertube_bytes / 1e6,
        ours_bytes / peertube_bytes
    );
    println!(
        "targets: speed-up ≥ 1.5× → {}; SSIM loss ≤ 0.005 → {} (worst {:+.5}); bytes ≤ 0.55× → {}",
        if base_total / ours_total >= 1.5 {
            "met"
        } else {
            "MISSED"
        },
        if worst_delta <= 0.005 {
            "met"
        } else {
            "MISSED"
        },
        worst_delta,
        if ours_bytes / peertube_bytes <= 0.55 {
            "met"
        } else {
            "MISSED"
        },
    );
    Ok(())
}
