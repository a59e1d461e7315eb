// keel dashboard, the integrations panel (admins only: the server sends `integrations: null` to
// everyone else and the panel stays hidden): per source its last success, lag, queue, dead
// letters and last error; per target its last success, pending, dead letters and whether a
// 410 Gone disabled it; each row with the `keel sync` commands that act on it.
// Server text is only ever set as textContent.
'use strict';

import { $, el } from './common.js';

function formatLag(seconds) {
  const s = Number(seconds || 0);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function commandsCell(commands) {
  if (!commands || !commands.length) return el('td', { text: '—' });
  return el('td', {}, ...commands.map((c) => el('code', { class: 'command', text: c })));
}

// `helpers` are the dashboard's own: fillBody, timeCell, formatCount.
export function renderIntegrations(integrations, { fillBody, timeCell, formatCount }) {
  const panel = $('integrations-panel');
  panel.hidden = !integrations;
  if (!integrations) return;
  fillBody($('sources-table'), integrations.sources || [], (s) => el('tr', { class: s.dead_letters ? 'breached' : null },
    el('td', { text: `${s.name} (${s.record_type})` }),
    timeCell(s.last_success),
    el('td', { class: 'num', text: formatLag(s.lag_seconds) }),
    el('td', { class: 'num', text: formatCount(s.queued) }),
    el('td', { class: 'num', text: formatCount(s.failures) }),
    el('td', { class: 'num', text: formatCount(s.dead_letters) }),
    el('td', { text: s.last_error || '—' }),
    commandsCell(s.commands)), 'No sources in config/integrations/.');
  fillBody($('targets-table'), integrations.targets || [], (t) => el('tr', { class: t.disabled || t.dead_letters ? 'breached' : null },
    el('td', { text: t.name }),
    timeCell(t.last_success),
    el('td', { class: 'num', text: formatLag(t.lag_seconds) }),
    el('td', { class: 'num', text: formatCount(t.pending) }),
    el('td', { class: 'num', text: formatCount(t.failing) }),
    el('td', { class: 'num', text: formatCount(t.dead_letters) }),
    el('td', { text: t.disabled ? `Disabled since ${t.disabled.since}: ${t.disabled.reason}` : 'Enabled' }),
    commandsCell(t.commands)), 'No targets in config/integrations/.');
}
