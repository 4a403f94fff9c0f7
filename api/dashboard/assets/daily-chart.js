// Recommendations per day by code: one stacked bar per day of the range.
// Chart.js is the UMD bundle loaded before this module (window.Chart).
import { daysBetween } from './dates.js';

// Okabe-Ito: told apart with the common colour-vision deficiencies.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C6D1F', '#000000'];

export function colorFor(codes) {
  const sorted = [...codes].sort();
  return (code) => PALETTE[sorted.indexOf(code) % PALETTE.length] ?? '#57606a';
}

/** The days on which a version decided for the first time in the range (not the range's first active day). */
export function versionStarts(summary) {
  const seen = new Set();
  const starts = [];
  summary.daily.forEach((day, index) => {
    for (const version of Object.keys(day.by_ruleset_version ?? {}).sort()) {
      if (!seen.has(version) && index > 0) starts.push({ date: day.date, version });
      seen.add(version);
    }
  });
  return starts;
}

let marks = [];
// Draws a dashed line where a ruleset version went live, labelled with it.
const versionMarkers = {
  id: 'versionMarkers',
  afterDatasetsDraw(chart) {
    const { ctx, chartArea, scales } = chart;
    const x = scales.x;
    const step = chart.data.labels.length > 1 ? x.getPixelForValue(1) - x.getPixelForValue(0) : 0;
    ctx.save();
    ctx.strokeStyle = '#57606a';
    ctx.fillStyle = '#1b1f24';
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 4]);
    ctx.font = '12px system-ui, sans-serif';
    for (const mark of marks) {
      const index = chart.data.labels.indexOf(mark.date);
      if (index < 0) continue;
      const left = x.getPixelForValue(index) - step / 2;
      ctx.beginPath();
      ctx.moveTo(left, chartArea.top);
      ctx.lineTo(left, chartArea.bottom);
      ctx.stroke();
      ctx.fillText(mark.version, left + 4, chartArea.top + 12);
    }
    ctx.restore();
  },
};

let chart;

export function renderDailyChart(canvas, { summary, from, to, codes, titleOf, colorOf }) {
  const days = daysBetween(from, to);
  const byDate = new Map(summary.daily.map((day) => [day.date, day]));
  marks = versionStarts(summary);
  const datasets = codes.map((code) => ({
    label: titleOf(code),
    code,
    data: days.map((date) => byDate.get(date)?.by_code[code] ?? 0),
    backgroundColor: colorOf(code),
    borderWidth: 0,
    maxBarThickness: 48,
  }));
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  chart?.destroy();
  chart = new window.Chart(canvas, {
    type: 'bar',
    data: { labels: days, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 300 },
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          stacked: true,
          grid: { display: false },
          ticks: {
            maxRotation: 0,
            autoSkipPadding: 12,
            callback(value) {
              return this.getLabelForValue(value).slice(5);
            },
          },
        },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'recommendations' } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 14 } },
        tooltip: {
          callbacks: {
            footer(items) {
              const day = byDate.get(items[0]?.label);
              if (day === undefined) return 'No recommendations';
              const versions = Object.entries(day.by_ruleset_version ?? {}).map(([v, n]) => `${v} (${n})`);
              return [`Total: ${day.total}`, ...(versions.length > 0 ? [`Ruleset: ${versions.join(', ')}`] : [])];
            },
          },
        },
      },
    },
    plugins: [versionMarkers],
  });
  return chart;
}

export function clearDailyChart() {
  chart?.destroy();
  chart = undefined;
}
