// keel chat console: sign-in picker (demo), conversations, messages and approval cards kept
// live over Server-Sent Events, a composer with slash-command hints, and the form dialog that
// commands and card buttons open. All server text is untrusted: the DOM is built with textContent.
'use strict';

const state = {
  me: null,            // {person, demo, conversations, commands} from /me
  demo: false,
  conversation: null,  // id of the conversation shown
  loadToken: 0,        // ignores stale message loads after a switch
  stream: null,        // EventSource
  streamRetry: null,   // timer that reopens a stream the browser gave up on
  form: null,          // the Form shown in the dialog
  formBusy: false,
  formOpener: null,    // element to return focus to when the dialog closes
  formOpenerMessage: null, // id of the message holding it, should its card be replaced
};

import { $, api, el } from './common.js';

// ---------- HTTP ----------

// Shows an error from any call; 401 in demo mode opens the person picker instead.
function handleError(err, showFn = showAlertLine) {
  if (err.status === 401) {
    const demo = err.body && typeof err.body.demo === 'boolean' ? err.body.demo : state.demo;
    signedOut(demo);
    if (demo) {
      openPicker();
      return;
    }
  }
  showFn(err.message);
}

// ---------- elements ----------


function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso || '');
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ---------- session ----------

async function loadMe() {
  try {
    applySession(await api('GET', '/console/api/me'));
  } catch (err) {
    handleError(err);
  }
}

// After the browser gave up on the stream: check the session and reopen, or retry later.
async function reconnectStream() {
  try {
    applySession(await api('GET', '/console/api/me'), true);
  } catch (err) {
    if (err.status === 0) state.streamRetry = setTimeout(reconnectStream, 10000);
    else handleError(err);
  }
}

// Shows a session; selects the person's DM unless keepConversation and it still exists.
function applySession(me, keepConversation = false) {
  const previous = state.conversation;
  state.me = me;
  state.demo = Boolean(me.demo);
  const person = me.person || {};
  $('me').textContent = person.title ? `${person.name}, ${person.title}` : (person.name || '');
  $('switch-person').textContent = 'Switch person';
  $('switch-person').hidden = !state.demo;
  $('sign-out').hidden = false;
  renderConversations(me.conversations || []);
  renderCommandHints();
  const dm = `@${person.id}`;
  const ids = (me.conversations || []).map((c) => c.id);
  let target = ids.includes(dm) ? dm : ids[0];
  if (keepConversation && ids.includes(previous)) target = previous;
  openStream();
  if (target) selectConversation(target);
}

function signedOut(demo) {
  state.me = null;
  state.demo = demo;
  state.conversation = null;
  closeStream();
  closeForm(); // its nonce belongs to the session that ended
  $('me').textContent = 'Not signed in';
  $('switch-person').textContent = 'Choose a person';
  $('switch-person').hidden = !demo;
  $('sign-out').hidden = true;
  $('conversations').replaceChildren();
  $('messages').replaceChildren();
  $('conversation-title').textContent = demo ? 'Choose a person to start' : 'Not signed in';
}

async function signInAs(personId) {
  $('picker-error').textContent = '';
  try {
    const me = await api('POST', '/console/api/session', { person: personId });
    $('picker').close();
    applySession(me);
    focusAfterDialog($('composer-input'));
  } catch (err) {
    $('picker-error').textContent = err.message;
  }
}

async function signOut() {
  try {
    await api('POST', '/console/api/logout', {});
  } catch (err) {
    showAlertLine(err.message);
    return;
  }
  signedOut(state.demo);
  await loadMe();
}

// ---------- person picker ----------

let pickerTimer = null;

function openPicker() {
  const picker = $('picker');
  if (!picker.open) picker.showModal();
  $('picker-search').focus();
  searchPeople();
}

function schedulePeopleSearch() {
  clearTimeout(pickerTimer);
  pickerTimer = setTimeout(searchPeople, 200);
}

async function searchPeople() {
  clearTimeout(pickerTimer);
  const q = $('picker-search').value.trim();
  $('picker-error').textContent = '';
  try {
    const data = await api('GET', `/console/api/people?q=${encodeURIComponent(q)}`);
    if ($('picker-search').value.trim() !== q) return; // a newer search is on its way
    renderPeople(data.people || []);
  } catch (err) {
    $('picker-error').textContent = err.message;
  }
}

function renderPeople(people) {
  const items = people.map((p) => el('li', {},
    el('button', { type: 'button', class: 'person', 'data-person': p.id, onclick: () => signInAs(p.id) },
      el('span', { class: 'person-name', text: p.name }),
      ' ',
      el('span', { class: 'person-title', text: p.title || '' }),
      ' ',
      el('span', { class: 'person-role', text: p.role ? `(${p.role})` : '' }))));
  $('picker-results').replaceChildren(...items);
  $('picker-count').textContent = people.length === 1 ? '1 person found' : `${people.length} people found`;
}

// ---------- conversations ----------

function renderConversations(conversations) {
  const items = conversations.map((c) => el('li', {},
    el('button', { type: 'button', class: 'conversation-button', 'data-conversation': c.id,
      onclick: () => selectConversation(c.id) },
    el('span', { class: 'conversation-name', text: c.name }),
    el('span', { class: 'unread-dot', 'aria-hidden': 'true' }),
    el('span', { class: 'visually-hidden unread-text', text: '' }))));
  $('conversations').replaceChildren(...items);
}

function conversationButton(id) {
  return document.querySelector(`#conversations [data-conversation="${CSS.escape(id)}"]`);
}

function conversationName(id) {
  const found = (state.me?.conversations || []).find((c) => c.id === id);
  return found ? found.name : id;
}

function selectConversation(id) {
  state.conversation = id;
  for (const button of document.querySelectorAll('#conversations [data-conversation]')) {
    if (button.dataset.conversation === id) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');
  }
  setUnread(id, false);
  const name = conversationName(id);
  $('conversation-title').textContent = name;
  $('composer-label').textContent = `Message ${name}`;
  $('composer-error').textContent = '';
  loadMessages();
}

function setUnread(id, unread) {
  const button = conversationButton(id);
  if (!button) return;
  button.classList.toggle('unread', unread);
  button.querySelector('.unread-text').textContent = unread ? ' (new)' : '';
}

async function loadMessages() {
  const id = state.conversation;
  if (!id) return;
  const token = ++state.loadToken;
  try {
    const data = await api('GET', `/console/api/messages?conversation=${encodeURIComponent(id)}`);
    if (token !== state.loadToken) return;
    const log = $('messages');
    log.setAttribute('aria-busy', 'true'); // do not read out the whole history
    log.replaceChildren();
    for (const message of data.messages || []) upsertMessage(message);
    if (!(data.messages || []).length) {
      log.append(el('p', { class: 'empty-note', text: 'No messages yet.' }));
    }
    scrollToEnd(true);
    requestAnimationFrame(() => log.setAttribute('aria-busy', 'false'));
  } catch (err) {
    if (token === state.loadToken) handleError(err);
  }
}

// ---------- messages ----------

function messageElement(id) {
  return $('messages').querySelector(`[data-message-id="${CSS.escape(String(id))}"]`);
}

function upsertMessage(message) {
  const log = $('messages');
  const near = isNearEnd();
  const node = renderMessage(message);
  const existing = messageElement(message.id);
  if (existing) {
    const hadFocus = existing.contains(document.activeElement);
    existing.replaceWith(node);
    if (hadFocus) node.focus();
    return;
  }
  log.querySelector('.empty-note')?.remove();
  const parent = message.thread_of != null ? messageElement(message.thread_of) : null;
  if (parent) {
    let last = parent;
    while (last.nextElementSibling?.classList.contains('reply')
      && last.nextElementSibling.dataset.threadOf === String(message.thread_of)) {
      last = last.nextElementSibling;
    }
    last.after(node);
  } else {
    log.append(node);
  }
  scrollToEnd(near);
}

function renderMessage(m) {
  const isReply = m.thread_of !== null && m.thread_of !== undefined;
  const article = el('article', {
    class: isReply ? 'message reply' : 'message',
    'data-message-id': m.id,
    'data-thread-of': isReply ? m.thread_of : null,
    tabindex: '-1',
  });
  const edited = m.updated_at && m.updated_at !== m.posted_at;
  article.append(el('header', { class: 'message-meta' },
    isReply ? el('span', { class: 'reply-marker', text: '↳ Reply' }) : null,
    el('span', { class: 'message-author', text: m.author?.name || 'unknown' }),
    ' ',
    el('time', { datetime: m.posted_at, text: formatTime(m.posted_at) }),
    edited ? el('span', { class: 'message-edited', text: ` (updated ${formatTime(m.updated_at)})` }) : null));
  if (m.text) article.append(el('p', { class: 'message-text', text: m.text }));
  if (m.answer) article.append(...renderAnswer(m.answer, m.text || ''));
  if (m.card) article.append(renderCard(m.card, m.request_id));
  return article;
}

// An answer's table (labelled columns, figures aligned right), how it was computed, its chart.
function renderAnswer(answer, sentence) {
  const parts = [];
  if (answer.table) parts.push(renderAnswerTable(answer.table, sentence));
  if (answer.how) parts.push(el('p', { class: 'answer-how', text: answer.how }));
  if (typeof answer.chart === 'string' && answer.chart.startsWith('/console/api/messages/')) {
    parts.push(el('img', { class: 'answer-chart', src: answer.chart, alt: `Chart: ${sentence}` }));
  }
  return parts;
}

function renderAnswerTable(table, sentence) {
  const numeric = table.numeric || [];
  const head = el('tr', {}, ...(table.columns || []).map((label, i) =>
    el('th', { scope: 'col', class: numeric[i] ? 'numeric' : null, text: label })));
  const rows = (table.rows || []).map((row) => el('tr', {}, ...row.map((cell, i) =>
    el('td', { class: numeric[i] ? 'numeric' : null, text: cell }))));
  const element = el('table', { class: 'answer-table' },
    el('caption', { class: 'visually-hidden', text: `Table for: ${sentence}` }),
    el('thead', {}, head),
    el('tbody', {}, ...rows));
  // A wide table scrolls on its own; the region lets a keyboard reach and scroll it.
  return el('div', { class: 'answer-table-wrap', role: 'region', tabindex: '0',
    'aria-label': 'Answer table' }, element);
}

let cardCount = 0; // makes each card's title id unique on the page

function renderCard(card, requestId) {
  const buttons = card.buttons || [];
  const decided = buttons.length === 0;
  const cardRequest = requestId || buttons[0]?.request_id || null;
  const section = el('section', {
    class: decided ? 'card decided' : 'card pending',
    'data-request-id': cardRequest,
  });
  const titleId = `card-title-${++cardCount}`;
  const title = el('h3', { class: 'card-title', id: titleId, text: card.title || 'Request' });
  section.append(title);
  const list = el('dl', { class: 'card-fields' });
  for (const [label, value] of card.fields || []) {
    list.append(el('div', {}, el('dt', { text: label }), el('dd', { text: value })));
  }
  section.append(list);
  // A card about no request (a digest, an alert) has nothing decided or waiting.
  const statusLabel = !cardRequest ? '' : decided ? 'Decided: ' : 'Status: ';
  section.append(el('p', { class: 'card-status' },
    el('span', { class: 'card-status-label', text: statusLabel }),
    el('span', { text: card.status || '' })));
  // An unusual amount in words, then the context facts; the numbers behind each are a
  // "Why" disclosure a keyboard opens like any other.
  const explained = (fact, cls) => {
    const row = el('div', { class: cls },
      el('dt', { text: fact.label }),
      el('dd', { text: fact.text }));
    if (fact.why) {
      row.lastChild.append(el('details', { class: 'card-why' },
        el('summary', { text: 'Why' }), el('p', { text: fact.why })));
    }
    return row;
  };
  const flags = card.flags || [];
  if (flags.length) {
    section.append(el('dl', { class: 'card-flags', 'aria-label': 'Flags' },
      ...flags.map((f) => explained(f, 'card-flag'))));
  }
  const facts = card.facts || [];
  if (facts.length) {
    section.append(el('dl', { class: 'card-facts', 'aria-label': 'Context' },
      ...facts.map((f) => explained(f, 'card-fact'))));
  }
  const notes = card.notes || [];
  const notesList = el('ul', { class: 'card-notes' }, ...notes.map((n) => el('li', { text: n })));
  if (!notes.length) notesList.hidden = true;
  section.append(notesList);
  const actions = el('div', { class: 'card-actions' });
  for (const b of buttons) {
    // Each card's buttons read the same, so their names carry the request ("Approve CO-1042")
    // and the card's title describes them.
    actions.append(el('button', {
      type: 'button', class: `button action-${b.action}`, 'data-action': b.action,
      'aria-describedby': titleId,
      onclick: (event) => pressCardButton(b, event.currentTarget),
    }, b.label, el('span', { class: 'visually-hidden', text: ` ${b.request_id}` })));
  }
  // The questions behind the card (a digest's sections): each button asks its question.
  for (const question of card.questions || []) {
    const ask = el('button', { type: 'button', class: 'suggestion', text: question,
      onclick: () => askSuggestion(question, ask) });
    actions.append(ask);
  }
  if (cardRequest) {
    actions.append(el('a', { class: 'card-history', href: `/console/dashboard#${encodeURIComponent(cardRequest)}` },
      'History', el('span', { class: 'visually-hidden', text: ` of ${cardRequest}` })));
  }
  section.append(actions);
  return section;
}

function showEphemeral(text) {
  const article = el('article', { class: 'message ephemeral' },
    el('header', { class: 'message-meta' },
      el('span', { class: 'message-author', text: 'keel' }), ' ',
      el('span', { class: 'ephemeral-label', text: 'Only visible to you' })),
    el('p', { class: 'message-text', text }));
  $('messages').querySelector('.empty-note')?.remove();
  $('messages').append(article);
  scrollToEnd(true);
}

function showAlertLine(text) {
  const line = el('p', { class: 'alert-line', role: 'alert' },
    el('span', { class: 'alert-label', text: 'Error: ' }), text);
  $('messages').append(line);
  scrollToEnd(true);
}

function isNearEnd() {
  const log = $('messages');
  return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}

function scrollToEnd(force) {
  const log = $('messages');
  if (force) log.scrollTop = log.scrollHeight;
}

// While its click is on its way the button is marked busy, not disabled: disabling the focused
// button would drop the focus to the page, and the updated card could not take it back.
async function pressCardButton(button, node) {
  if (node.getAttribute('aria-disabled') === 'true') return;
  node.setAttribute('aria-disabled', 'true');
  state.formOpener = node;
  state.formOpenerMessage = node.closest('[data-message-id]')?.dataset.messageId ?? null;
  try {
    const data = await api('POST', '/console/api/buttons',
      { request_id: button.request_id, action: button.action, step: button.step });
    applyEffects(data.effects || []);
  } catch (err) {
    handleError(err);
  } finally {
    if (node.isConnected) node.removeAttribute('aria-disabled');
  }
}

// ---------- live stream ----------

function openStream() {
  closeStream();
  const stream = new EventSource('/console/api/stream');
  let hadError = false;
  stream.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    receiveMessage(message);
  });
  // The server fell behind this stream and dropped messages: reload what is shown.
  stream.addEventListener('resync', () => loadMessages());
  stream.addEventListener('open', () => {
    $('stream-status').textContent = '';
    if (hadError) loadMessages(); // catch up with what was sent while disconnected
    hadError = false;
  });
  stream.addEventListener('error', () => {
    hadError = true;
    $('stream-status').textContent = 'Live updates interrupted; reconnecting…';
    if (stream.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. the session ended): check the session, then try again.
      state.streamRetry = setTimeout(reconnectStream, 2000);
    }
  });
  state.stream = stream;
}

function closeStream() {
  clearTimeout(state.streamRetry);
  if (state.stream) state.stream.close();
  state.stream = null;
  $('stream-status').textContent = '';
}

function receiveMessage(message) {
  if (!message || message.id === undefined) return;
  if (message.conversation === state.conversation) {
    upsertMessage(message);
  } else {
    setUnread(message.conversation, true);
    announce(`New message in ${conversationName(message.conversation)}`);
  }
}

// Says `text` through the polite status region: a message elsewhere is more than a dot.
// Several at once become one sentence per conversation, not a queue of announcements.
const announced = new Set();
let announceTimer = null;
function announce(text) {
  announced.add(text);
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => {
    $('announcer').textContent = [...announced].join('. ');
    announced.clear();
  }, 300);
}

// ---------- composer ----------

async function sendComposer(event) {
  event.preventDefault();
  const input = $('composer-input');
  const text = input.value.trim();
  if (!text) return;
  if (!state.conversation) {
    setComposerError('Choose a conversation first.');
    return;
  }
  setComposerError('');
  const send = $('composer-send');
  send.disabled = true;
  state.formOpener = input;
  state.formOpenerMessage = null;
  try {
    const data = await api('POST', '/console/api/messages', { conversation: state.conversation, text });
    input.value = '';
    renderCommandHints();
    if (data.message && data.message.conversation === state.conversation) upsertMessage(data.message);
    showAnswered(data);
  } catch (err) {
    handleError(err, setComposerError);
  } finally {
    send.disabled = false;
  }
}

// What keel answered: a question and its answer are stored messages (with their suggested
// questions, which are not stored, as buttons); anything else is its effects.
function showAnswered(data) {
  if (Array.isArray(data.messages)) {
    showAsked(data.messages);
    applyEffects((data.effects || []).filter((effect) => effect.type === 'suggestions'));
  } else {
    applyEffects(data.effects || []);
  }
}

// A question and keel's answer, stored in the asker's direct messages with keel: shown here
// when that is the conversation open, otherwise pointed to.
function showAsked(messages) {
  let here = false;
  for (const message of messages) {
    if (message && message.conversation === state.conversation) {
      upsertMessage(message);
      here = true;
    }
  }
  const dm = messages.find((m) => m)?.conversation;
  if (!here && dm) {
    setUnread(dm, true);
    showEphemeral('keel answered in your direct messages with keel: an answer follows what you may see, so it is not posted here.');
  }
}

function setComposerError(text) {
  $('composer-error').textContent = text;
  const input = $('composer-input');
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function composerKeydown(event) {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('composer').requestSubmit();
  } else if (event.key === 'Escape') {
    $('command-hints').hidden = true;
  } else if (event.key === 'ArrowDown' && !$('command-hints').hidden && !event.target.value.includes('\n')) {
    event.preventDefault();
    $('command-hint-list').querySelector('button')?.focus();
  }
}

// Arrow keys move between hints; Escape goes back to the message box.
function hintKeydown(event) {
  const buttons = [...$('command-hint-list').querySelectorAll('button')];
  const index = buttons.indexOf(document.activeElement);
  if (index < 0) return;
  if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const next = event.key === 'ArrowDown' ? index + 1 : index - 1;
    if (next < 0) $('composer-input').focus();
    else buttons[Math.min(next, buttons.length - 1)].focus();
  } else if (event.key === 'Escape') {
    event.preventDefault();
    $('command-hints').hidden = true;
    $('composer-input').focus();
  }
}

function renderCommandHints() {
  const value = $('composer-input').value;
  const box = $('command-hints');
  if (!value.startsWith('/') || !state.me) {
    box.hidden = true;
    return;
  }
  const typed = value.split(/\s/)[0].toLowerCase();
  const commands = (state.me.commands || []).filter((c) => c.command.toLowerCase().startsWith(typed));
  const shown = commands.length ? commands : state.me.commands || [];
  $('command-hint-list').replaceChildren(...shown.map((c) => el('li', {},
    el('button', { type: 'button', class: 'command-hint', onclick: () => fillCommand(c.command) },
      el('span', { class: 'command-name', text: c.command }), ' ',
      el('span', { class: 'command-description', text: c.description || '' })))));
  box.hidden = shown.length === 0;
}

function fillCommand(command) {
  const input = $('composer-input');
  input.value = `${command} `;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  $('command-hints').hidden = true;
}

// ---------- effects ----------

function applyEffects(effects) {
  for (const effect of effects) {
    if (effect.type === 'reply') showEphemeral(effect.text || '');
    else if (effect.type === 'answer') showEphemeralAnswer(effect);
    else if (effect.type === 'open_form') openForm(effect.form);
    else if (effect.type === 'form_errors') showFormErrors(effect.errors || []);
    else if (effect.type === 'close_form') closeForm();
    else if (effect.type === 'chart') showChart(effect.png_base64 || '', effect.alt || '');
    else if (effect.type === 'suggestions') showSuggestions(effect.questions || []);
  }
}

// Questions keel can answer instead of a declined one: each button asks its question.
function showSuggestions(questions) {
  if (!questions.length) return;
  const buttons = questions.map((question) => {
    const button = el('button', { type: 'button', class: 'suggestion', text: question,
      onclick: () => askSuggestion(question, button) });
    return button;
  });
  const article = el('article', { class: 'message ephemeral' },
    el('header', { class: 'message-meta' },
      el('span', { class: 'message-author', text: 'keel' }), ' ',
      el('span', { class: 'ephemeral-label', text: 'You could ask' })),
    el('div', { class: 'suggestions', role: 'group', 'aria-label': 'Suggested questions' }, ...buttons));
  $('messages').append(article);
  scrollToEnd(true);
}

async function askSuggestion(question, button) {
  if (!state.conversation) return;
  button.disabled = true;
  try {
    const data = await api('POST', '/console/api/messages',
      { conversation: state.conversation, text: `/ask ${question}` });
    showAnswered(data);
  } catch (err) {
    handleError(err);
  } finally {
    if (button.isConnected) button.disabled = false;
  }
}

function showEphemeralAnswer(effect) {
  showEphemeral(effect.text || '');
  const article = $('messages').lastElementChild;
  article.append(...renderAnswer({ table: effect.table, how: effect.how }, effect.text || ''));
  scrollToEnd(true);
}

// A chart for the answer just shown, with the answer's sentence as its text alternative.
function showChart(pngBase64, alt) {
  if (!/^[A-Za-z0-9+/=]+$/.test(pngBase64)) return;
  const article = el('article', { class: 'message ephemeral' },
    el('header', { class: 'message-meta' },
      el('span', { class: 'message-author', text: 'keel' }), ' ',
      el('span', { class: 'ephemeral-label', text: 'Only visible to you' })),
    el('img', { class: 'answer-chart', src: `data:image/png;base64,${pngBase64}`, alt }));
  $('messages').append(article);
  scrollToEnd(true);
}

// ---------- form dialog ----------

function openForm(form) {
  state.form = form;
  const dialog = $('form-dialog');
  $('form-title').textContent = form.title || 'Form';
  $('form-submit').textContent = form.submit_label || 'Submit';
  $('error-form').textContent = '';
  const fields = (form.inputs || []).map(renderInput);
  $('form-fields').replaceChildren(...fields);
  setFormBusy(false);
  if (!dialog.open) dialog.showModal();
  const first = $('form-fields').querySelector('input, select, textarea');
  (first || $('form-submit')).focus();
}

function renderInput(input) {
  const id = `field-${input.name}`;
  const helpId = `help-${input.name}`;
  const errorId = `error-${input.name}`;
  const hasHelp = Boolean(input.help) || input.kind === 'date';
  const describedBy = [hasHelp ? helpId : null, errorId].filter(Boolean).join(' ');
  const control = buildControl(input);
  control.id = id;
  control.name = input.name;
  control.setAttribute('aria-describedby', describedBy);
  if (input.required) control.setAttribute('aria-required', 'true');
  const label = el('label', { for: id }, input.label || input.name,
    input.required ? el('span', { class: 'required-mark', 'aria-hidden': 'true', text: ' *' }) : null);
  let help = input.help || '';
  if (input.kind === 'date') help = help ? `${help} (YYYY-MM-DD)` : 'Format: YYYY-MM-DD';
  const wrapper = el('div', { class: `field field-${input.kind}` });
  if (input.kind === 'bool') wrapper.append(el('div', { class: 'checkbox-row' }, control, label));
  else wrapper.append(label, control);
  if (help) wrapper.append(el('p', { id: helpId, class: 'help', text: help }));
  wrapper.append(el('p', { id: errorId, class: 'field-error', 'aria-live': 'polite' }));
  return wrapper;
}

function buildControl(input) {
  const value = input.value ?? '';
  switch (input.kind) {
    case 'textarea': {
      const area = el('textarea', { rows: 4, maxlength: input.max_len || null });
      area.value = value;
      return area;
    }
    case 'number':
    case 'money': {
      const field = el('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off',
        placeholder: input.kind === 'money' ? '0.00' : null });
      field.value = value;
      return field;
    }
    case 'date': {
      const field = el('input', { type: 'text', inputmode: 'numeric', placeholder: 'YYYY-MM-DD', autocomplete: 'off' });
      field.value = value;
      return field;
    }
    case 'bool': {
      const box = el('input', { type: 'checkbox', value: 'true' });
      box.checked = ['true', 'yes', '1'].includes(String(value).toLowerCase());
      return box;
    }
    case 'select':
      return buildSelect(input, input.options || []);
    case 'record': {
      const select = buildSelect(input, []);
      loadRecordOptions(input, select);
      return select;
    }
    default: {
      const field = el('input', { type: 'text', maxlength: input.max_len || null, autocomplete: 'off' });
      field.value = value;
      return field;
    }
  }
}

function buildSelect(input, options) {
  const select = el('select');
  fillSelect(select, input, options);
  return select;
}

function fillSelect(select, input, options) {
  const value = input.value ?? '';
  const items = [];
  if (!(input.required && value)) items.push(el('option', { value: '', text: 'Choose…' }));
  for (const o of options) items.push(el('option', { value: o.value, text: o.label }));
  if (value && !options.some((o) => o.value === value)) items.push(el('option', { value, text: value }));
  select.replaceChildren(...items);
  select.value = value;
}

// Stays focusable while loading so that focus can go to it when the dialog opens.
async function loadRecordOptions(input, select) {
  select.setAttribute('aria-busy', 'true');
  select.replaceChildren(el('option', { value: '', text: 'Loading…' }));
  try {
    const data = await api('GET',
      `/console/api/options?type=${encodeURIComponent(input.record_type || '')}&q=`);
    if (!select.isConnected) return;
    const hadFocus = document.activeElement === select;
    fillSelect(select, input, data.options || []);
    select.removeAttribute('aria-busy');
    if (hadFocus) select.focus();
  } catch (err) {
    select.removeAttribute('aria-busy');
    fillSelect(select, input, []);
    const holder = $(`error-${input.name}`);
    if (holder) holder.textContent = `Could not load the choices: ${err.message}`;
  }
}

function formValues() {
  const values = {};
  for (const input of state.form?.inputs || []) {
    const control = $(`field-${input.name}`);
    if (!control) continue;
    if (input.kind === 'bool') {
      values[input.name] = control.checked ? 'true' : 'false';
    } else if (control.value.trim() !== '') {
      values[input.name] = control.value;
    }
  }
  return values;
}

function clearFormErrors() {
  $('error-form').textContent = '';
  for (const holder of $('form-fields').querySelectorAll('.field-error')) holder.textContent = '';
  for (const control of $('form-fields').querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
}

function showFormErrors(errors) {
  clearFormErrors();
  let first = null;
  const formLevel = [];
  for (const error of errors) {
    const control = error.field ? $(`field-${error.field}`) : null;
    const holder = error.field ? $(`error-${error.field}`) : null;
    if (control && holder && $('form-fields').contains(control)) {
      holder.textContent = holder.textContent ? `${holder.textContent} ${error.message}` : error.message;
      control.setAttribute('aria-invalid', 'true');
      first = first || control;
    } else {
      formLevel.push(error.field ? `${error.field}: ${error.message}` : error.message);
    }
  }
  $('error-form').textContent = formLevel.join(' ');
  first = $('form-fields').querySelector('[aria-invalid="true"]') || first; // first in form order
  if (first) first.focus();
  else if (formLevel.length) $('error-form').focus();
}

function setFormBusy(busy) {
  state.formBusy = busy;
  $('form-submit').disabled = busy;
  $('form-dialog-form').setAttribute('aria-busy', busy ? 'true' : 'false');
}

async function submitForm(event) {
  event.preventDefault();
  if (state.formBusy || !state.form) return;
  clearFormErrors();
  setFormBusy(true);
  const form = state.form;
  try {
    const data = await api('POST', '/console/api/forms',
      { form: form.id, nonce: form.nonce, values: formValues() });
    applyEffects(data.effects || []);
  } catch (err) {
    handleError(err, (text) => {
      $('error-form').textContent = text;
      $('error-form').focus();
    });
  } finally {
    setFormBusy(false);
  }
}

function closeForm() {
  const dialog = $('form-dialog');
  if (dialog.open) dialog.close();
}

function formClosed() {
  state.form = null;
  $('form-fields').replaceChildren();
  const opener = state.formOpener;
  const message = state.formOpenerMessage;
  // The card a button opened the form from may have been replaced by its update meanwhile
  // (a rejection lands before the dialog is gone): focus goes to the card that replaced it.
  focusAfterDialog(() => {
    if (opener && opener.isConnected && !opener.disabled) return opener;
    const card = message != null ? messageElement(message) : null;
    return card || $('composer-input');
  });
}

// Chrome restores focus itself when a modal closes; focusing again in a fresh task keeps
// typing working (otherwise keys can reach the element without inserting text under WebDriver).
// `target` is an element or a function choosing one when the focus moves.
function focusAfterDialog(target) {
  document.activeElement?.blur?.();
  setTimeout(() => (typeof target === 'function' ? target() : target).focus(), 0);
}

// ---------- wiring ----------

function wire() {
  $('composer').addEventListener('submit', sendComposer);
  $('composer-input').addEventListener('keydown', composerKeydown);
  $('composer-input').addEventListener('input', () => {
    renderCommandHints();
    if ($('composer-error').textContent) setComposerError('');
  });
  $('command-hint-list').addEventListener('keydown', hintKeydown);
  $('switch-person').addEventListener('click', openPicker);
  $('sign-out').addEventListener('click', signOut);
  $('picker-search').addEventListener('input', schedulePeopleSearch);
  $('picker-search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      searchPeople();
    }
  });
  $('picker-close').addEventListener('click', () => $('picker').close());
  $('form-dialog-form').addEventListener('submit', submitForm);
  $('form-cancel').addEventListener('click', closeForm);
  $('form-dialog').addEventListener('close', formClosed);
}

wire();
loadMe();
