// Draws the agent comparison's charts from the JSON the pages embed (#agents-data on /agents, #agent-trend-data on
// /agents/detail); the pages work without it.
(function () {
  if (typeof Chart === 'undefined') return;
  const blue = '#2b5cd6', grey = '#8a94a6';
  const ranking = document.getElementById('agents-data');
  if (ranking) {
    const d = JSON.parse(ranking.textContent);
    new Chart(document.getElementById('distribution-chart'), {
      type: 'bar',
      data: { labels: d.labels, datasets: [{ label: 'employees', data: d.counts, backgroundColor: blue }] },
      options: { animation: false, responsive: true, aspectRatio: 2.4, plugins: { legend: { display: false } },
        scales: { x: { title: { display: true, text: d.metric } }, y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'employees' } } } },
    });
    new Chart(document.getElementById('team-chart'), {
      type: 'line',
      data: { labels: d.weeks, datasets: [{ label: 'Team NPS', data: d.teamNps, borderColor: blue, backgroundColor: blue, spanGaps: true, tension: 0.25, pointRadius: 2 }] },
      options: { animation: false, responsive: true, aspectRatio: 2.4, plugins: { legend: { display: false } },
        scales: { y: { min: -100, max: 100, title: { display: true, text: 'NPS %' } } } },
    });
  }
  const trend = document.getElementById('agent-trend-data');
  if (trend) {
    const t = JSON.parse(trend.textContent);
    for (const m of t.metrics) {
      const canvas = document.getElementById('trend-' + m.key);
      if (!canvas) continue;
      new Chart(canvas, {
        type: 'line',
        data: {
          labels: t.weeks,
          datasets: [
            { label: 'Employee', data: m.agent, borderColor: blue, backgroundColor: blue, spanGaps: true, tension: 0.25, pointRadius: 2 },
            { label: 'Team', data: m.team, borderColor: grey, backgroundColor: grey, borderDash: [5, 4], spanGaps: true, tension: 0.25, pointRadius: 0 },
          ],
        },
        options: { animation: false, responsive: true, aspectRatio: 2, plugins: { legend: { display: false },
          tooltip: { callbacks: { afterTitle: items => t.calls[items[0].dataIndex] + ' calls' } } } },
      });
    }
  }
})();
