// Draws the weekly trend charts from the JSON the page embeds (#trend-data); the page works without it.
(function () {
  const data = document.getElementById('trend-data');
  if (!data || typeof Chart === 'undefined') return;
  const t = JSON.parse(data.textContent);
  const colours = { positive: '#2e9d5b', negative: '#d2453d', neutral: '#8a94a6', mixed: '#d49a1f', nps: '#2b5cd6' };
  // Wide and low, so the calls table stays in view; without it Chart.js keeps the canvas's 300×220 attribute shape.
  const aspectRatio = 2.4;
  // Each week's call count sits under its label: a week of one call at NPS +100 is one happy customer, not a triumph.
  const callsText = n => n === 1 ? '1 call' : n + ' calls';
  const x = () => ({ ticks: { callback: (value, i) => [t.labels[i], callsText(t.calls[i])] } });
  // Bars of weeks with fewer calls than this are drawn pale (and say so in the tooltip): too few to read a trend from.
  const fewCalls = 3;
  const pale = colour => colour + '55';
  const line = (label, values, colour) => ({ label, data: values, borderColor: colour, backgroundColor: colour, spanGaps: true, tension: 0.25, pointRadius: 3 });
  new Chart(document.getElementById('scores-chart'), {
    type: 'line',
    data: {
      labels: t.labels,
      datasets: [
        line('Positive', t.positive, colours.positive), line('Negative', t.negative, colours.negative),
        line('Neutral', t.neutral, colours.neutral), line('Mixed', t.mixed, colours.mixed),
      ],
    },
    options: { animation: false, responsive: true, aspectRatio, scales: { x: x(), y: { min: 0, max: 1, title: { display: true, text: 'average score' } } },
      plugins: { tooltip: { callbacks: { afterTitle: items => callsText(t.calls[items[0].dataIndex]) } } } },
  });
  new Chart(document.getElementById('nps-chart'), {
    type: 'bar',
    data: {
      labels: t.labels,
      datasets: [{ label: 'NPS (%)', data: t.nps, backgroundColor: t.nps.map((v, i) => {
        if (v === null) return '#ccc';
        const colour = v < 0 ? colours.negative : colours.positive;
        return t.calls[i] < fewCalls ? pale(colour) : colour;
      }) }],
    },
    options: {
      animation: false, responsive: true, aspectRatio,
      scales: { x: x(), y: { min: -100, max: 100, title: { display: true, text: 'NPS %' } } },
      // One series, named by the heading; its legend swatch would take the first bar's colour (grey for an empty week).
      plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: ctx => callsText(t.calls[ctx.dataIndex]) + (t.calls[ctx.dataIndex] < fewCalls ? ': too few to read a trend from' : '') } } },
    },
  });
})();
