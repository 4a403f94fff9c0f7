// The figures as tables: the chart's accessible alternative, and the
// versions and card feedback. Text goes in through textContent only.

function cell(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = String(text);
  if (className) element.className = className;
  return element;
}

/** A CODE_LIKE_THIS that may wrap after its underscores on a narrow screen. */
function breakable(code, className) {
  const element = cell('span', undefined, className);
  code.split('_').forEach((part, index, parts) => {
    element.append(index < parts.length - 1 ? `${part}_` : part);
    if (index < parts.length - 1) element.append(document.createElement('wbr'));
  });
  return element;
}

function codeCell(code, titleOf, colorOf) {
  const th = cell('th');
  th.scope = 'row';
  const wrapper = cell('div', undefined, 'code-cell');
  if (colorOf) {
    const swatch = cell('span', undefined, 'swatch');
    swatch.setAttribute('aria-hidden', 'true');
    swatch.style.backgroundColor = colorOf(code);
    wrapper.append(swatch);
  }
  const names = cell('span');
  const title = titleOf(code);
  names.append(title === code ? breakable(code, 'code-name') : cell('span', title, 'code-name'));
  if (title !== code) names.append(breakable(code, 'code-id'));
  wrapper.append(names);
  th.append(wrapper);
  return th;
}

function percent(part, whole) {
  return whole === 0 ? '–' : `${Math.round((part / whole) * 100)} %`;
}

export function renderTotals(table, { summary, codes, titleOf, colorOf }) {
  const body = table.tBodies[0];
  body.replaceChildren(
    ...codes.map((code) => {
      const row = document.createElement('tr');
      row.dataset.code = code;
      const count = summary.by_code[code] ?? 0;
      row.append(codeCell(code, titleOf, colorOf), cell('td', count, 'num'), cell('td', percent(count, summary.total), 'num'));
      return row;
    }),
  );
  table.querySelector('#totals-all').textContent = String(summary.total);
}

/** Each version with the first and last day it decided in the range, oldest first. */
export function versionsOf(summary) {
  const versions = new Map();
  for (const day of summary.daily) {
    for (const [version, count] of Object.entries(day.by_ruleset_version ?? {})) {
      const seen = versions.get(version) ?? { version, first: day.date, last: day.date, count: 0 };
      seen.last = day.date;
      seen.count += count;
      versions.set(version, seen);
    }
  }
  return [...versions.values()].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
}

export function renderVersions(table, empty, summary) {
  const versions = versionsOf(summary);
  table.tBodies[0].replaceChildren(
    ...versions.map((v) => {
      const row = document.createElement('tr');
      row.dataset.version = v.version;
      row.append(cell('th', v.version), cell('td', v.first, 'date'), cell('td', v.last, 'date'), cell('td', v.count, 'num'));
      row.firstChild.scope = 'row';
      return row;
    }),
  );
  table.hidden = versions.length === 0;
  empty.hidden = versions.length > 0;
  return versions;
}

/** `feedback` is {CODE: {accepted, overridden}}; absent on a service without CDS Hooks feedback. */
export function renderFeedback(table, empty, feedback, titleOf) {
  const entries = Object.entries(feedback ?? {}).filter(([, f]) => (f.accepted ?? 0) + (f.overridden ?? 0) > 0);
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  table.tBodies[0].replaceChildren(
    ...entries.map(([code, { accepted = 0, overridden = 0 }]) => {
      const row = document.createElement('tr');
      row.dataset.code = code;
      const rate = cell('td');
      const wrapper = cell('div', undefined, 'rate');
      const bar = cell('span', undefined, 'rate-bar');
      bar.setAttribute('aria-hidden', 'true');
      const fill = cell('span', undefined, 'rate-fill');
      fill.style.display = 'block';
      fill.style.width = `${(accepted / (accepted + overridden)) * 100}%`;
      bar.append(fill);
      wrapper.append(bar, cell('span', percent(accepted, accepted + overridden)));
      rate.append(wrapper);
      row.append(codeCell(code, titleOf), cell('td', accepted, 'num'), cell('td', overridden, 'num'), rate);
      return row;
    }),
  );
  table.hidden = entries.length === 0;
  empty.hidden = entries.length > 0;
}
