//! A video's storyboard: one JPEG of small frames in a grid, one frame every few seconds, which
//! players show above the progress bar while the pointer moves along it. Sized and timed as
//! PeerTube makes them, so PeerTube's player reads ours and ours read PeerTube's: frames at most
//! [`SPRITE_MAX_SIZE`] pixels on their long side, a grid of at most
//! [`SPRITES_MAX_EDGE_COUNT`]² frames, none for a video shorter than 3 s.

use std::path::Path;
use std::time::Duration;

use crate::MediaError;
use crate::process::{NICE_THUMBNAIL, ffmpeg_failed, input_guard, last_lines, niced, run_to_end};

/// The long side of a frame, in pixels (PeerTube's `STORYBOARD.SPRITE_MAX_SIZE`).
pub const SPRITE_MAX_SIZE: u32 = 192;
/// Frames per row and per column, at most (PeerTube's `STORYBOARD.SPRITES_MAX_EDGE_COUNT`).
pub const SPRITES_MAX_EDGE_COUNT: u32 = 11;
/// The shortest video given a storyboard, in seconds.
const MIN_DURATION: i64 = 3;
const TIMEOUT: Duration = Duration::from_secs(600);

/// How a storyboard is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoryboardPlan {
    /// One frame's size.
    pub sprite_width: u32,
    /// One frame's size.
    pub sprite_height: u32,
    /// Seconds of video between two frames.
    pub sprite_duration: u32,
    /// Frames the video gives.
    pub sprites: u32,
    /// The grid: frames per row.
    pub columns: u32,
    /// The grid: rows.
    pub rows: u32,
}

impl StoryboardPlan {
    /// The whole picture's size.
    pub fn total_size(&self) -> (u32, u32) {
        (
            self.sprite_width * self.columns,
            self.sprite_height * self.rows,
        )
    }
}

/// The storyboard of a video of `duration` whole seconds whose frames are `width`×`height`, or
/// none (too short, or no picture). As PeerTube: at most one frame a second and 121 in all,
/// the smallest grid (rows ≤ columns) that holds them.
pub fn storyboard_plan(duration: i64, width: u32, height: u32) -> Option<StoryboardPlan> {
    if duration < MIN_DURATION || width == 0 || height == 0 {
        return None;
    }
    let duration = u32::try_from(duration).ok()?;
    let ratio = f64::from(width) / f64::from(height);
    let (sprite_width, sprite_height) = if height > width {
        (
            (f64::from(SPRITE_MAX_SIZE) * ratio).round() as u32,
            SPRITE_MAX_SIZE,
        )
    } else {
        (
            SPRITE_MAX_SIZE,
            (f64::from(SPRITE_MAX_SIZE) / ratio).round() as u32,
        )
    };
    let max_sprites = duration.min(SPRITES_MAX_EDGE_COUNT * SPRITES_MAX_EDGE_COUNT);
    let sprite_duration = duration.div_ceil(max_sprites);
    let sprites = duration.div_ceil(sprite_duration);
    let (columns, rows) = grid(sprites)?;
    Some(StoryboardPlan {
        sprite_width: sprite_width.max(2),
        sprite_height: sprite_height.max(2),
        sprite_duration,
        sprites,
        columns,
        rows,
    })
}

/// The smallest grid of `n` frames: rows from one up, each with the fewest columns (no fewer
/// than rows) that hold them.
fn grid(n: u32) -> Option<(u32, u32)> {
    (1..=SPRITES_MAX_EDGE_COUNT)
        .flat_map(|rows| (rows..=SPRITES_MAX_EDGE_COUNT).map(move |cols| (cols, rows)))
        .find(|(cols, rows)| n <= cols * rows)
}

/// Writes the storyboard of `input` (a video with a picture) to `output` (a JPEG), laid out by
/// `plan`: the first frame, then each frame at least `sprite_duration` seconds after the last
/// one taken, scaled and tiled; a grid the video does not fill is completed in black. Audio
/// and subtitles are not decoded.
pub async fn storyboard(
    input: &Path,
    plan: &StoryboardPlan,
    output: &Path,
) -> Result<(), MediaError> {
    let input = std::path::absolute(input)?;
    let filter = format!(
        "[0:v:0]select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{})',\
         scale={}:{},setsar=1,tile=layout={}x{}",
        plan.sprite_duration, plan.sprite_width, plan.sprite_height, plan.columns, plan.rows
    );
    let mut cmd = niced("ffmpeg", NICE_THUMBNAIL);
    cmd.args(["-hide_banner", "-nostdin", "-y", "-loglevel", "error"])
        .args(input_guard())
        .args(["-an", "-sn", "-dn", "-i"])
        .arg(&input)
        .args(["-filter_complex", &filter])
        .args(["-frames:v", "1"])
        // 4:4:4 as the thumbnails: a 4:2:0 JPEG wants even sizes, and frames are not.
        .args(["-pix_fmt", "yuvj444p", "-q:v", "3", "-update", "1"])
        .arg(output);
    let out = run_to_end(cmd, TIMEOUT).await?;
    if !out.status.success() {
        return Err(ffmpeg_failed(last_lines(&out.stderr, 6)));
    }
    if !tokio::fs::metadata(output).await.is_ok_and(|m| m.len() > 0) {
        return Err(MediaError::Ffmpeg(
            "no frame of the video could be decoded for its storyboard.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_as_peertube() {
        // PeerTube 8.0.1's storyboard of a 10 s 16:9 video (fixtures/ap/video.json): 1920×108,
        // 192×108 frames, one a second.
        let p = storyboard_plan(10, 1920, 1080).unwrap();
        assert_eq!((p.sprite_width, p.sprite_height), (192, 108));
        assert_eq!(
            (p.sprite_duration, p.sprites, p.columns, p.rows),
            (1, 10, 10, 1)
        );
        assert_eq!(p.total_size(), (1920, 108));
        // Longer: one frame every ceil(d / 121) s, the grid square-ish.
        let p = storyboard_plan(600, 1280, 720).unwrap();
        assert_eq!((p.sprite_duration, p.sprites), (5, 120));
        assert_eq!((p.columns, p.rows), (11, 11));
        let p = storyboard_plan(13, 640, 360).unwrap();
        assert_eq!((p.columns, p.rows), (7, 2));
        // Portrait: the height is the long side.
        let p = storyboard_plan(30, 720, 1280).unwrap();
        assert_eq!((p.sprite_width, p.sprite_height), (108, 192));
        // Too short, or no picture.
        assert_eq!(storyboard_plan(2, 1920, 1080), None);
        assert_eq!(storyboard_plan(60, 0, 0), None);
        // Very long: never more than 121 frames.
        let p = storyboard_plan(10 * 3600, 1920, 1080).unwrap();
        assert!(p.sprites <= 121 && p.columns <= 11 && p.rows <= 11, "{p:?}");
    }
}
