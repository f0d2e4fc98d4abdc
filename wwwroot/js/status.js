// Keeps the ingestion counts, progress bars and the "in progress" table current while a batch runs (the page itself
// is server-rendered; the table is redrawn from the same fields the server renders).
(function () {
  const bar = document.getElementById('batch-progress');
  const text = document.getElementById('batch-text');
  const active = document.querySelector('#active tbody');
  function cell(row, content) {
    const td = document.createElement('td');
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    row.appendChild(td);
  }
  function drawActive(jobs) {
    const rows = [];
    for (const job of jobs) {
      const tr = document.createElement('tr');
      tr.dataset.job = job.id;
      const code = document.createElement('code');
      code.textContent = job.sourceKey;
      cell(tr, code);
      cell(tr, job.status);
      cell(tr, String(job.attempts));
      const progress = document.createElement('progress');
      progress.max = 1;
      progress.value = job.progress;
      cell(tr, progress);
      cell(tr, job.leaseOwner || '');
      cell(tr, job.note || '');
      rows.push(tr);
    }
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      const td = document.createElement('td');
      td.colSpan = 6;
      td.className = 'empty';
      td.textContent = 'Nothing running.';
      tr.appendChild(td);
      rows.push(tr);
    }
    active.replaceChildren(...rows);
  }
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
      if (active) drawActive(s.active);
    } catch (e) { /* offline for a moment: try again on the next tick */ }
  }
  setInterval(refresh, 2000);
})();
