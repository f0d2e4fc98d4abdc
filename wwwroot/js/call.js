// Call page: a click on a transcript time or word plays the recording from that point.
(() => {
  const player = document.getElementById('player');
  const transcript = document.getElementById('transcript');
  if (!player || !transcript) return;
  transcript.addEventListener('click', e => {
    const target = e.target.closest('[data-t]');
    if (!target) return;
    const t = parseFloat(target.dataset.t);
    if (!Number.isFinite(t)) return;
    player.currentTime = t;
    player.play().catch(() => { /* autoplay may be refused; the position is still set */ });
  });
  // Highlight the chunk being played.
  const chunks = [...transcript.querySelectorAll('li.chunk')];
  player.addEventListener('timeupdate', () => {
    const now = player.currentTime;
    let current = null;
    for (const c of chunks) if (parseFloat(c.dataset.start) <= now) current = c;
    for (const c of chunks) c.classList.toggle('playing', c === current);
  });
})();
