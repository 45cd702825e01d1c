// A playlist played through on the watch page: the element's start time is where the video
// begins, its stop time (or the video's end) moves on to the next video, which plays at once
// (`autoplay=1`, read by watch.js). Without script the playlist's list and its "Next" link
// still lead through it.

const video = document.getElementById('player');
const next = video.dataset.next;
const start = Number(video.dataset.start || 0);
const stop = video.dataset.stop ? Number(video.dataset.stop) : null;

let moved = false;
function goNext() {
  if (moved || !next) return;
  moved = true;
  location.assign(next);
}

if (start > 0) {
  // Once the player has a source and knows the video's length.
  video.addEventListener('loadedmetadata', () => {
    if (video.currentTime < start) video.currentTime = start;
  }, { once: true });
}
if (stop !== null) {
  video.addEventListener('timeupdate', () => {
    if (video.currentTime >= stop) {
      video.pause();
      goNext();
    }
  });
}
video.addEventListener('ended', goNext);
