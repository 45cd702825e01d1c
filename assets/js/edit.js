// The video edit page: says the browser's time zone (a scheduled date is typed in local time),
// shows the passwords field only for a password-protected video, and lets the owner pick a frame of the video as its thumbnail: the frame under the slider is
// drawn on a canvas and put in the form's thumbnail field, sent with the rest on Save.
const form = document.getElementById('edit-form');

if (form) {
  form.elements.tz_offset.value = String(new Date().getTimezoneOffset());

  // The passwords are asked for only when the video is to be password-protected (5).
  const privacy = form.elements.privacy;
  const passwords = form.elements.passwords?.closest('label');
  if (privacy && passwords) {
    const show = () => { passwords.hidden = privacy.value !== '5'; };
    privacy.addEventListener('change', show);
    show();
  }

  const picker = form.querySelector('.frame-picker');
  const video = document.getElementById('frame-video');
  const slider = document.getElementById('frame-time');
  const use = document.getElementById('frame-use');
  const picked = document.getElementById('frame-picked');
  const file = form.elements.thumbnailfile;

  if (picker && video && slider && use && file && typeof DataTransfer === 'function') {
    picker.hidden = false;
    video.addEventListener('loadedmetadata', () => {
      if (Number.isFinite(video.duration)) slider.max = String(video.duration);
      video.currentTime = Math.min(1, video.duration / 3 || 0);
    });
    slider.addEventListener('input', () => {
      video.currentTime = Number(slider.value);
    });
    use.addEventListener('click', () => {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth || 640;
      canvas.height = video.videoHeight || 360;
      canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => {
        if (!blob) return;
        const dt = new DataTransfer();
        dt.items.add(new File([blob], 'frame.jpg', { type: 'image/jpeg' }));
        file.files = dt.files;
        picked.hidden = false;
        const current = document.getElementById('thumbnail-current');
        if (current) current.src = URL.createObjectURL(blob);
      }, 'image/jpeg', 0.9);
    });
  }
}
