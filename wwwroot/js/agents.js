// Draws the agent comparison's charts from the JSON the pages embed (#agents-data on /agents, #agent-trend-data on
// /agents/detail) and the ranking's sparklines from each row's data-nps; the figures and links work without it.
(function () {
  // The ranking's sparklines: data-nps holds each week's NPS (empty: no calls that week, a gap). x: 4 per week,
  // y: −100..100 mapped to 28..2, a zero line; a polyline per run of weeks with calls.
  const svgNs = 'http://www.w3.org/2000/svg';
  for (const svg of document.querySelectorAll('svg.sparkline[data-nps]')) {
    const values = svg.dataset.nps.split(',');
    const zero = document.createElementNS(svgNs, 'line');
    zero.setAttribute('class', 'zero');
    zero.setAttribute('x1', '0'); zero.setAttribute('y1', '15');
    zero.setAttribute('x2', String(svg.viewBox.baseVal.width - 2)); zero.setAttribute('y2', '15');
    svg.appendChild(zero);
    let points = [];
    const flush = () => {
      if (points.length === 0) return;
      const line = document.createElementNS(svgNs, 'polyline');
      line.setAttribute('points', points.join(' '));
      svg.appendChild(line);
      points = [];
    };
    values.forEach((v, i) => {
      if (v === '') { flush(); return; }
      points.push((i * 4) + ',' + (15 - Number(v) * 0.13).toFixed(1));
    });
    flush();
  }
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
