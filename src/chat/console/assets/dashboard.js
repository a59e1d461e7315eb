// keel dashboard (integrations for admins: dashboard_integrations.js): pending approvals (by approver and age, SLA breaches marked), undelivered and
// parked notifications, cycle-time bar charts drawn as inline SVG, the audit chain check, recent
// audit events, recent requests and the history of one request (/console/dashboard#CO-1465).
// Server text is only ever set as textContent.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
import { $, api, el } from './common.js';
import { renderIntegrations } from './dashboard_integrations.js';
let selectedRequest = null;
let lastCycle = null; // cycle-time data, kept to redraw the charts when the width changes

// ---------- HTTP ----------

function getJson(url) {
  return api('GET', url);
}

// Shows an error in a role="alert" holder; 401 adds a link to sign in on the console.
function showError(holder, err) {
  holder.replaceChildren(err.message);
  if (err.status === 401) {
    holder.append(' ', el('a', { href: '/console', text: 'Sign in on the console' }), '.');
  }
}

// ---------- formatting ----------


function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatDate(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function timeCell(iso) {
  return el('td', {}, iso ? el('time', { datetime: iso, text: formatDate(iso) }) : '—');
}

function formatHours(hours) {
  if (hours === null || hours === undefined || Number.isNaN(Number(hours))) return '—';
  const h = Number(hours);
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${(h / 24).toFixed(1)} d`;
}

function formatAmount(amount) {
  if (amount === null || amount === undefined || amount === '') return '—';
  const n = Number(amount);
  if (Number.isNaN(n)) return String(amount);
  return n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function formatCount(n) {
  return Number(n || 0).toLocaleString('en-US');
}

// A link that shows the request's history below (and sets #ID in the address).
function historyLink(id) {
  return el('a', { href: `#${encodeURIComponent(id)}`, class: 'history-link id-cell', 'data-request-id': id,
    onclick: (event) => {
      event.preventDefault();
      history.pushState(null, '', `#${encodeURIComponent(id)}`);
      showHistory(id, true);
    } }, id, el('span', { class: 'visually-hidden', text: ': show history' }));
}

function fillBody(table, rows, renderRow, emptyText) {
  const body = table.tBodies[0];
  const columns = table.tHead.rows[0].cells.length;
  if (!rows.length) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: columns, text: emptyText })));
    return;
  }
  body.replaceChildren(...rows.map(renderRow));
}

// ---------- dashboard ----------

async function loadDashboard() {
  const error = $('dashboard-error');
  $('refresh').disabled = true;
  try {
    const data = await getJson('/console/api/dashboard');
    error.replaceChildren();
    renderDashboard(data);
  } catch (err) {
    showError(error, err);
    $('generated').textContent = 'Could not load the dashboard.';
    if (!$('audit-status').dataset.ok) $('audit-status').textContent = 'Audit trail not checked: the dashboard did not load.';
  } finally {
    $('refresh').disabled = false;
  }
}

function renderDashboard(data) {
  $('generated').replaceChildren('Figures as of ',
    el('time', { datetime: data.generated_at || '', text: formatDate(data.generated_at) }), '.');
  renderAudit(data.audit || {});
  renderUndelivered(data.undelivered || {});
  renderIntegrations(data.integrations, { fillBody, timeCell, formatCount });
  fillBody($('pending-table'), data.pending || [], pendingRow, 'Nothing is waiting for a decision.');
  fillBody($('pending-by-approver'), data.pending_by_approver || [], approverRow, 'No approver has anything pending.');
  lastCycle = data.cycle_time || {};
  drawCharts();
  fillBody($('requests-table'), data.recent_requests || [], requestRow, 'No requests yet.');
  fillBody($('audit-table'), data.recent_audit || [], auditRow, 'No audit events yet.');
  markSelectedRow();
}

function renderAudit(audit) {
  const status = $('audit-status');
  status.dataset.ok = audit.ok ? 'true' : 'false';
  const events = formatCount(audit.events);
  status.textContent = audit.ok
    ? `Audit trail intact: ${events} events verified`
    : `Audit trail problem: ${audit.problem || 'the hash chain does not verify'} (${events} events checked)`;
}

// Parked notifications: `keel outbox retry ID` sends one again.
function renderUndelivered(undelivered) {
  const parked = Number(undelivered.parked || 0);
  $('outbox-status').textContent = `${formatCount(undelivered.pending)} waiting for delivery, ${formatCount(parked)} parked`
    + (parked ? ' (`keel outbox failed` lists them; `keel outbox retry ID` sends one again).' : '.');
  fillBody($('parked-table'), undelivered.parked_list || [], parkedRow, 'No parked notifications you may see.');
}

function parkedRow(p) {
  return el('tr', { 'data-request-id': p.request_id },
    el('td', { class: 'num', text: String(p.id) }),
    el('td', {}, historyLink(p.request_id)),
    el('td', { text: p.recipient?.name || '' }),
    el('td', { text: p.kind || '' }),
    el('td', { class: 'num', text: String(p.attempts ?? '') }),
    el('td', { text: p.last_error || '' }),
    timeCell(p.parked_at),
    p.retry_at ? timeCell(p.retry_at) : el('td', { text: 'held until retried' }));
}

function pendingRow(p) {
  const sla = p.sla_business_hours;
  const hasSla = sla !== null && sla !== undefined;
  const marker = p.breached
    ? el('span', { class: 'breach-marker', text: '⚠ SLA breached' })
    : el('span', { class: 'ok-marker', text: hasSla ? 'Within SLA' : 'No SLA' });
  const waiting = `${Number(p.waiting_business_hours || 0).toFixed(1)} h / ${hasSla ? `${sla} h` : 'no SLA'}`;
  return el('tr', { 'data-request-id': p.request_id, class: p.breached ? 'breached' : null },
    el('td', {}, historyLink(p.request_id), el('br'), p.title || ''),
    el('td', { text: p.workflow || '' }),
    el('td', { text: p.requester?.name || '' }),
    el('td', { text: (p.approvers || []).map((a) => a.name).join(', ') || '—' }),
    el('td', { class: 'num', text: formatHours(p.age_hours) }),
    el('td', { class: 'num', text: waiting }),
    el('td', {}, marker),
    el('td', { class: 'num', text: formatAmount(p.amount) }));
}

function approverRow(a) {
  const b = a.buckets || {};
  const breached = Number(a.breached || 0);
  return el('tr', { 'data-approver-id': a.approver?.id, class: breached ? 'breached' : null },
    el('th', { scope: 'row', text: a.approver?.name || a.approver?.id || '' }),
    el('td', { class: 'num', text: formatCount(a.count) }),
    el('td', { class: 'num' }, breached ? el('span', { class: 'breach-marker', text: `⚠ ${breached}` }) : '0'),
    el('td', { class: 'num', text: formatCount(b.under_1d) }),
    el('td', { class: 'num', text: formatCount(b.d1_3) }),
    el('td', { class: 'num', text: formatCount(b.d3_7) }),
    el('td', { class: 'num', text: formatCount(b.over_7d) }));
}

function requestRow(r) {
  return el('tr', { 'data-request-id': r.id },
    el('td', {}, historyLink(r.id)),
    el('td', { text: r.title || '' }),
    el('td', { text: r.workflow || '' }),
    el('td', {}, el('span', { class: 'status-badge', text: r.status || '' })),
    el('td', { text: r.requester_name || '' }),
    timeCell(r.submitted_at),
    timeCell(r.decided_at),
    el('td', { class: 'num', text: formatAmount(r.amount) }));
}

function auditRow(e) {
  return el('tr', { 'data-seq': e.seq },
    el('td', { class: 'num', text: e.seq }),
    timeCell(e.at),
    el('td', {}, e.request_id ? historyLink(e.request_id) : '—'),
    el('td', { text: e.actor_name ? `${e.actor_name} (${e.actor})` : (e.actor || '') }),
    el('td', { text: e.action || '' }),
    el('td', { text: e.rule || '—' }),
    el('td', { text: e.reason || '—' }));
}

// ---------- charts ----------

function drawCharts() {
  if (!lastCycle) return;
  drawChart($('cycle-workflow-chart'), $('cycle-workflow-fallback'), lastCycle.by_workflow || [], 'Workflow');
  drawChart($('cycle-approver-chart'), $('cycle-approver-fallback'), lastCycle.by_approver || [], 'Approver');
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// One unit for a whole chart: hours, or days when the longest time is over three days.
function chartUnit(maxHours) {
  return maxHours > 72 ? { per: 24, name: 'd' } : { per: 1, name: 'h' };
}

function tickLabel(value, unit) {
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)} ${unit.name}`;
}

// Horizontal bars: median as a bar, p90 as a tick joined by a dashed line; a hidden table repeats
// the data. Drawn at the container's pixel width so that text keeps its size.
function drawChart(chart, fallback, rows, keyHeading) {
  const width = Math.max(420, Math.round(chart.parentElement.clientWidth || 640));
  const labelWidth = Math.min(220, Math.round(width * 0.3));
  const valueWidth = 130, rowHeight = 30, top = 28;
  const plotWidth = width - labelWidth - valueWidth;
  const height = top + Math.max(rows.length, 1) * rowHeight + 8;
  const longest = Math.max(0, ...rows.map((r) => Math.max(r.p90_hours || 0, r.median_hours || 0)));
  const unit = chartUnit(longest);
  const max = niceMax(longest / unit.per);
  const geometry = { labelWidth, unit, x: (hours) => labelWidth + (Math.max(0, hours || 0) / unit.per / max) * plotWidth };
  const title = chart.querySelector('title');
  chart.replaceChildren(title);
  chart.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const descId = `${chart.id}-desc`;
  chart.append(svg('desc', { id: descId }, rows.length
    ? `Median and 90th percentile time from submission to decision for ${rows.length} ${keyHeading.toLowerCase()}s. The same figures are in the table that follows.`
    : 'No decided requests yet.'));
  chart.setAttribute('aria-labelledby', `${title.id} ${descId}`);
  for (let i = 0; i <= 4; i += 1) {
    const gx = labelWidth + (plotWidth * i) / 4;
    chart.append(svg('line', { class: 'grid', x1: gx, x2: gx, y1: top - 6, y2: height - 8 }));
    chart.append(svg('text', { class: 'axis-label', x: gx, y: top - 10, 'text-anchor': 'middle' }, tickLabel((max * i) / 4, unit)));
  }
  if (!rows.length) chart.append(svg('text', { x: labelWidth, y: top + 20 }, 'No decided requests yet.'));
  rows.forEach((r, i) => chart.append(chartRow(r, top + i * rowHeight, geometry)));
  fallback.replaceChildren(chartTable(chart, rows, keyHeading));
}

function chartRow(r, y, { labelWidth, unit, x }) {
  const group = svg('g', { class: 'chart-row' });
  const label = r.label || r.key || '';
  const p90x = x(r.p90_hours);
  const medianX = x(r.median_hours);
  const value = (hours) => tickLabel((hours || 0) / unit.per, unit);
  group.append(svg('title', {}, `${label}: median ${formatHours(r.median_hours)}, 90th percentile ${formatHours(r.p90_hours)}, ${formatCount(r.count)} decided`));
  group.append(svg('text', { class: 'label', x: labelWidth - 8, y: y + 19, 'text-anchor': 'end' }, shorten(label, Math.floor(labelWidth / 8))));
  group.append(svg('rect', { class: 'median-bar', x: x(0), y: y + 7, width: Math.max(1, medianX - x(0)), height: 16, rx: 2 }));
  if (p90x > medianX) group.append(svg('line', { class: 'p90-range', x1: medianX, x2: p90x, y1: y + 15, y2: y + 15 }));
  group.append(svg('line', { class: 'p90-tick', x1: p90x, x2: p90x, y1: y + 3, y2: y + 27 }));
  group.append(svg('text', { x: Math.max(p90x, medianX) + 8, y: y + 19 }, `${value(r.median_hours)} · p90 ${value(r.p90_hours)}`));
  return group;
}

function chartTable(chart, rows, keyHeading) {
  return el('table', {},
    el('caption', { text: `${chart.querySelector('title').textContent} (data)` }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: keyHeading }),
      el('th', { scope: 'col', text: 'Decided requests' }),
      el('th', { scope: 'col', text: 'Median time to decision' }),
      el('th', { scope: 'col', text: '90th percentile' }))),
    el('tbody', {}, ...rows.map((r) => el('tr', {},
      el('th', { scope: 'row', text: r.label || r.key || '' }),
      el('td', { text: formatCount(r.count) }),
      el('td', { text: formatHours(r.median_hours) }),
      el('td', { text: formatHours(r.p90_hours) })))));
}

// ---------- request history ----------

function requestFromHash() {
  const raw = location.hash.replace(/^#/, '');
  if (raw === 'main') return ''; // the skip link
  try {
    return decodeURIComponent(raw).trim();
  } catch (err) {
    return raw;
  }
}

async function showHistory(id, moveFocus) {
  selectedRequest = id || null;
  markSelectedRow();
  const body = $('history-body');
  const error = $('history-error');
  error.replaceChildren();
  if (!id) {
    body.replaceChildren();
    $('history-empty').hidden = false;
    return;
  }
  $('history-empty').hidden = true;
  body.replaceChildren(el('p', { class: 'help', text: `Loading ${id}…` }));
  $('history').scrollIntoView({ block: 'start' });
  if (moveFocus) $('history-heading').focus();
  try {
    const request = await getJson(`/console/api/requests/${encodeURIComponent(id)}`);
    if (selectedRequest !== id) return;
    body.replaceChildren(...renderRequest(request));
  } catch (err) {
    if (selectedRequest !== id) return;
    body.replaceChildren();
    showError(error, err);
  }
}

function renderRequest(r) {
  const meta = el('dl', { class: 'history-meta' });
  const addMeta = (term, value) => meta.append(el('dt', { text: term }), el('dd', {}, value));
  addMeta('Status', el('span', { class: 'status-badge', text: r.status || '' }));
  addMeta('Workflow', r.workflow || '');
  addMeta('Requester', r.requester?.name || r.requester?.id || '');
  addMeta('Submitted', el('time', { datetime: r.submitted_at || '', text: formatDate(r.submitted_at) }));
  addMeta('Decided', r.decided_at ? el('time', { datetime: r.decided_at, text: formatDate(r.decided_at) }) : 'Not yet');
  if (r.rule) addMeta('Rule', r.rule);
  const fields = el('dl', { class: 'history-meta' });
  for (const [label, value] of r.fields || []) fields.append(el('dt', { text: label }), el('dd', { text: value }));
  return [
    el('h3', { text: `${r.id} · ${r.title || ''}` }),
    meta,
    el('h4', { text: 'Fields' }),
    fields,
    el('h4', { text: 'Steps' }),
    el('ol', { class: 'steps' }, ...(r.steps || []).map(stepItem)),
    el('h4', { text: 'History' }),
    el('ol', { class: 'events' }, ...(r.history || []).map(eventItem)),
  ];
}

function stepItem(step) {
  const approvals = (step.approvals || []).map((a) => `${a.name} approved ${formatDate(a.at)}`);
  return el('li', { class: step.current ? 'step-current' : null },
    step.name || '',
    step.current ? el('span', {}, ' ', el('span', { class: 'step-current-marker', text: 'current step' })) : null,
    el('br'),
    `Approvers: ${(step.approvers || []).join(', ') || '—'}`,
    approvals.length ? el('br') : null,
    approvals.length ? approvals.join('; ') : null);
}

function eventItem(e) {
  const extra = [e.rule ? `rule ${e.rule}` : null, e.reason ? `reason: ${e.reason}` : null].filter(Boolean);
  return el('li', { 'data-seq': e.seq },
    el('time', { datetime: e.at || '', text: formatDate(e.at) }), ' — ',
    e.actor_name || e.actor || '', ' ',
    el('span', { class: 'event-action', text: e.action || '' }),
    extra.length ? ` (${extra.join('; ')})` : '',
    ` · event ${e.seq}`);
}

function markSelectedRow() {
  for (const row of document.querySelectorAll('#requests-table tr.selected, #pending-table tr.selected')) {
    row.classList.remove('selected');
  }
  for (const link of document.querySelectorAll('.history-link[aria-current]')) link.removeAttribute('aria-current');
  if (!selectedRequest) return;
  const selector = `tr[data-request-id="${CSS.escape(selectedRequest)}"]`;
  for (const row of document.querySelectorAll(`#requests-table ${selector}, #pending-table ${selector}`)) {
    row.classList.add('selected');
    row.querySelector('.history-link')?.setAttribute('aria-current', 'true');
  }
}

// ---------- start ----------

let resizeTimer = null;
$('refresh').addEventListener('click', loadDashboard);
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawCharts, 150);
});
window.addEventListener('hashchange', () => showHistory(requestFromHash(), true));
loadDashboard().then(() => {
  if (requestFromHash()) showHistory(requestFromHash(), false);
});
