// keel policy page (admins): lists the proposals under config/proposals/, compares the chosen
// one with today's policy over the history, and shows totals, the per-approver table, the
// changed requests, new flags and the replay's limits. /console/dashboard/policy?proposal=NAME
// opens one directly. Server text is only ever set as textContent.
'use strict';

import { $, api, el } from './common.js';

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function amount(value) {
  return value === null || value === undefined ? '—' : money.format(value);
}

function signed(value) {
  return value > 0 ? `+${number.format(value)}` : number.format(value);
}

function cells(tag, values, numeric) {
  return values.map((value, i) => el(tag, { class: numeric.includes(i) ? 'num' : null }, value));
}

function showError(err) {
  const holder = $('policy-error');
  holder.replaceChildren(err.message);
  if (err.status === 401) {
    holder.append(' ', el('a', { href: '/console', text: 'Sign in on the console' }), '.');
  }
}

// A transition's key ("routed → auto_approved") in the words a person uses.
const OUTCOME_WORDS = {
  auto_approved: 'approved automatically',
  auto_rejected: 'rejected automatically',
  routed: 'sent to an approver',
  unroutable: 'no approver found',
};
function transitionWords(kind) {
  return kind.split(' → ').map((side) => OUTCOME_WORDS[side] || side.replaceAll('_', ' ')).join(' → ');
}

function render(result) {
  const changed = result.changed;
  $('policy-summary').textContent =
    `Proposal ${result.proposal}: ${changed} of ${result.requests} past requests would be decided differently` +
    (result.changed_workflows.length ? ` (workflows changed: ${result.changed_workflows.join(', ')}).` : '.');
  $('policy-transitions').replaceChildren(
    ...Object.entries(result.transitions).map(([kind, count]) => el('li', { text: `${transitionWords(kind)}: ${count}` })),
  );
  $('policy-approvers').tBodies[0].replaceChildren(...result.approvers.map((a) => {
    const name = el('th', { scope: 'row', text: `${a.name} (${a.person})` });
    return el('tr', {}, name, ...cells('td', [
      a.before, a.after, signed(a.after - a.before),
      `${number.format(a.hours_before)} h`, `${number.format(a.hours_after)} h`,
    ], [0, 1, 2, 3, 4]));
  }));
  $('policy-changes').tBodies[0].replaceChildren(...result.changes.map((c) => {
    const link = el('a', { href: `/console/dashboard#${encodeURIComponent(c.id)}`, text: c.id });
    return el('tr', {}, el('th', { scope: 'row' }, link), ...cells('td', [
      amount(c.amount), c.before, c.after, c.rule_before || '(default chain)', c.rule_after || '(default chain)',
    ], [0]));
  }));
  $('policy-flags-summary').textContent =
    `${result.now_flagged.length} request(s) would now be flagged; ${result.no_longer_flagged} no longer.`;
  $('policy-flags').replaceChildren(...result.now_flagged.map((f) =>
    el('li', { text: `${f.id} (${amount(f.amount)}): ${f.flags.join(', ')}` })));
  const limits = Object.entries(result.disagree_with_history).map(([rule, count]) =>
    `Today's policy, replayed, decides ${count} request(s) otherwise than they were decided (rule ${rule}): records changed since, or an earlier policy.`);
  $('policy-limits').replaceChildren(...limits.concat(result.limits).map((text) => el('li', { text })));
  $('policy-result').hidden = false;
}

async function compare(name) {
  $('policy-error').textContent = '';
  $('policy-status').textContent = `Replaying the history through ${name}…`;
  try {
    const result = await api('GET', `/console/api/policy/proposals/${encodeURIComponent(name)}`);
    render(result);
    $('policy-status').textContent = `Compared ${name} with today's policy.`;
    history.replaceState(null, '', `?proposal=${encodeURIComponent(name)}`);
  } catch (err) {
    $('policy-status').textContent = '';
    showError(err);
  }
}

async function start() {
  const select = $('proposal-select');
  let proposals = [];
  try {
    proposals = (await api('GET', '/console/api/policy/proposals')).proposals;
  } catch (err) {
    $('policy-status').textContent = '';
    showError(err);
    return;
  }
  select.replaceChildren(...proposals.map((name) => el('option', { value: name, text: name })));
  if (!proposals.length) {
    $('policy-status').textContent =
      'No proposals yet: copy a workflow file into config/proposals/NAME/workflows/, edit it, and reload.';
    $('policy-compare').disabled = true;
    return;
  }
  $('policy-form').addEventListener('submit', (event) => {
    event.preventDefault();
    compare(select.value);
  });
  const wanted = new URLSearchParams(location.search).get('proposal');
  if (wanted && proposals.includes(wanted)) {
    select.value = wanted;
    compare(wanted);
  } else {
    $('policy-status').textContent = `${proposals.length} proposal(s); choose one and press Compare.`;
  }
}

start();
