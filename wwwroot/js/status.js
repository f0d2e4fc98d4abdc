// Keeps the ingestion counts and progress bars current while a batch runs (the page itself is server-rendered).
(function () {
  const bar = document.getElementById('batch-progress');
  const text = document.getElementById('batch-text');
  async function refresh() {
    try {
      const r = await fetch('/status/progress', { headers: { Accept: 'application/json' } });
      if (!r.ok) return;
      const s = await r.json();
      const c = s.counts;
      for (const el of document.querySelectorAll('[data-count]')) {
        const v = c[el.dataset.count.charAt(0).toLowerCase() + el.dataset.count.slice(1)];
        if (v !== undefined) el.textContent = v;
      }
      const total = c.queued + c.running + c.retrying + c.done + c.failed;
      bar.max = Math.max(1, total);
      bar.value = c.done + c.failed;
      text.textContent = (c.done + c.failed) + ' of ' + total + ' finished';
      for (const job of s.active) {
        const row = document.querySelector('tr[data-job="' + job.id + '"] progress');
        if (row) row.value = job.progress;
      }
    } catch (e) { /* offline for a moment: try again on the next tick */ }
  }
  setInterval(refresh, 2000);
})();
