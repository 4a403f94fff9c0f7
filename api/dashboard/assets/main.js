// Wires the page: token, date range, then the report from the public API.
import { ApiError, fetchRules, fetchSummary } from './api.js';
import { clearDailyChart, colorFor, renderDailyChart } from './daily-chart.js';
import { isDate, lastDays } from './dates.js';
import { describeToken, forgetToken, storeToken, storedToken } from './session.js';
import { renderFeedback, renderTotals, renderVersions } from './tables.js';

const $ = (id) => document.getElementById(id);
const MINT_HINT = 'npm run token -- --scope "reports:read rules:read"';

function showMessage(kind, title, detail) {
  const box = $('message');
  box.className = `message ${kind}`;
  box.replaceChildren();
  const heading = document.createElement('strong');
  heading.textContent = title;
  box.append(heading);
  for (const line of [detail].flat().filter(Boolean)) {
    const p = document.createElement('p');
    p.textContent = line;
    box.append(p);
  }
  box.hidden = false;
}

function clearMessage() {
  $('message').hidden = true;
}

function showSignedIn(token) {
  const signedIn = token !== undefined;
  $('token-form').hidden = signedIn;
  $('signed-in').hidden = !signedIn;
  $('token-summary').textContent = signedIn ? describeToken(token) : '';
  if (!signedIn) {
    $('report').hidden = true;
    clearDailyChart();
  }
}

/** 401 and 403 send the analyst back to the token form, saying why. */
function explain(err) {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    forgetToken();
    showSignedIn(undefined);
    if (err.status === 401) {
      showMessage('error', 'The service did not accept this token (401).', [
        `It said: ${err.message}. A token that has expired, was signed with another secret or is not a token at all gets this answer.`,
        `Paste a new token. To mint one: ${MINT_HINT}`,
      ]);
    } else {
      showMessage('error', 'This token may not read the reports (403).', [
        `It said: ${err.message}. The dashboard needs a token with the reports:read scope.`,
        `Paste a token that has it. To mint one: ${MINT_HINT}`,
      ]);
    }
    $('token').focus();
    return;
  }
  if (err instanceof ApiError) {
    showMessage('error', `The service could not answer (${err.status}).`, err.message);
    return;
  }
  showMessage('error', 'The service could not be reached.', 'Check that it is running, then choose Show again.');
}

function rulesetTitles(rules) {
  const titles = new Map();
  for (const rule of rules?.active?.rules ?? []) titles.set(rule.code, rule.title);
  return (code) => titles.get(code) ?? code;
}

function render(summary, rules, from, to) {
  const codes = Object.keys(summary.by_code).sort((a, b) => summary.by_code[b] - summary.by_code[a] || (a < b ? -1 : 1));
  const titleOf = rulesetTitles(rules);
  const colorOf = colorFor(codes);
  const report = $('report');
  report.hidden = false;
  const empty = summary.total === 0;
  $('empty').hidden = !empty;
  $('chart-box').hidden = empty;
  if (empty) clearDailyChart();
  else renderDailyChart($('daily-chart'), { summary, from, to, codes, titleOf, colorOf });
  renderTotals($('totals-table'), { summary, codes, titleOf, colorOf });
  const versions = renderVersions($('versions-table'), $('versions-empty'), summary);
  renderFeedback($('feedback-table'), $('feedback-empty'), summary.feedback, titleOf);
  $('kpi-total').textContent = String(summary.total);
  $('kpi-days').textContent = String(summary.daily.filter((day) => day.total > 0).length);
  $('kpi-versions').textContent = String(versions.length);
  $('active-ruleset').textContent = rules
    ? `Serving now: ${rules.active.name} ${rules.active.version}, loaded ${rules.active.loaded_at.replace('T', ' ').slice(0, 16)} UTC.`
    : 'The active ruleset is not shown: this token lacks the rules:read scope.';
}

async function load() {
  const token = storedToken();
  if (token === undefined) return;
  const from = $('from').value;
  const to = $('to').value;
  if (!isDate(from) || !isDate(to)) {
    showMessage('warning', 'Choose both dates.', 'From and To are days, written YYYY-MM-DD.');
    return;
  }
  if (from > to) {
    showMessage('warning', 'From is after To.', 'Choose a From day on or before the To day.');
    $('from').focus();
    return;
  }
  const report = $('report');
  report.setAttribute('aria-busy', 'true');
  try {
    const [summary, rules] = await Promise.all([fetchSummary(token, from, to), fetchRules(token)]);
    clearMessage();
    render(summary, rules, from, to);
    document.body.dataset.state = 'ready';
  } catch (err) {
    explain(err);
    document.body.dataset.state = 'error';
  } finally {
    report.setAttribute('aria-busy', 'false');
  }
}

function setRange({ from, to }) {
  $('from').value = from;
  $('to').value = to;
}

function start() {
  setRange(lastDays(30));
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token').value.trim();
    if (token === '') return;
    storeToken(token);
    $('token').value = '';
    showSignedIn(token);
    void load();
  });
  $('forget-token').addEventListener('click', () => {
    forgetToken();
    showSignedIn(undefined);
    showMessage('warning', 'Token forgotten.', 'Paste a token to see the reports again.');
    $('token').focus();
  });
  $('range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  for (const preset of document.querySelectorAll('[data-days]')) {
    preset.addEventListener('click', () => {
      setRange(lastDays(Number(preset.dataset.days)));
      void load();
    });
  }
  const token = storedToken();
  showSignedIn(token);
  if (token === undefined) {
    document.body.dataset.state = 'needs-token';
    showMessage('warning', 'A token is needed.', 'Paste a bearer token with the reports:read scope to see the reports.');
  } else {
    void load();
  }
}

start();
