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
  // Opened from a search result (/calls/{id}?t=12.3#chunk-4): start the player there and mark the chunk.
  const t = parseFloat(new URLSearchParams(location.search).get('t'));
  if (Number.isFinite(t) && t >= 0) {
    const seek = () => { player.currentTime = t; };
    if (player.readyState >= 1) seek(); else player.addEventListener('loadedmetadata', seek, { once: true });
    const found = location.hash.startsWith('#chunk-') ? document.getElementById(location.hash.slice(1)) : null;
    if (found) {
      found.classList.add('found');
      found.scrollIntoView({ block: 'center' });
    }
  }
  // Highlight the chunk being played.
  const chunks = [...transcript.querySelectorAll('li.chunk')];
  player.addEventListener('timeupdate', () => {
    const now = player.currentTime;
    let current = null;
    for (const c of chunks) if (parseFloat(c.dataset.start) <= now) current = c;
    for (const c of chunks) c.classList.toggle('playing', c === current);
  });
})();
