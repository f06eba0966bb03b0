// The live channel page: one event stream per tab (/events), a composer that sends
// through the api and keeps what it could not send, and older history on scrolling up.
//
// Every message's HTML is rendered once on the server, for every viewer alike; what
// differs between viewers (my own messages, mentions of me, local times) is marked here
// from the article's data attributes. Nothing a person wrote is ever inserted as HTML
// except that server-rendered, sanitised markup; everything else goes in as text.

const body = document.body;
const me = body.dataset.me;
const myName = (body.dataset.meName || '').toLowerCase();
const list = document.getElementById('messages');
const scroller = document.getElementById('scroller');
const channel = list?.dataset.channel;
// On a thread's page: the message the thread hangs from.
const thread = list?.dataset.thread;
const channelUrl = list?.dataset.url;
const composer = document.getElementById('composer');
const textarea = document.getElementById('composer-text');
const errorLine = document.getElementById('composer-error');
const ephemeral = document.getElementById('ephemeral');
const typingLine = document.getElementById('typing');

const GROUP_MINUTES = 5;
const TYPING_SHOWN_MS = 15000;
const TYPING_RESEND_MS = 5000;

// ------------------------------------------------------------------ drawing messages

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

function localDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** Marks what is mine and what mentions me, and shows times in local time. */
function decorate(article) {
  if (article.dataset.author === me) article.classList.add('mine');
  const mentioned = (article.dataset.mentions || '').split(' ');
  if (article.dataset.author !== me && (mentioned.includes(myName) || 'mentionsAll' in article.dataset)) {
    article.classList.add('mentions-me');
  }
  const replies = article.querySelector('a.replies');
  if (replies && !replies.hasAttribute('href') && channelUrl) replies.href = threadUrl(article);
  const time = article.querySelector('time');
  if (time) {
    const at = new Date(time.dateTime);
    time.textContent = timeFormat.format(at);
    time.title = at.toLocaleString();
  }
  drawCards(article);
}

const cardTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const HEX_COLOUR = /^#[0-9a-f]{6}$/i;

/**
 * Gives webhook cards their colour and local times, and hides images that did not load.
 * The colour arrives as data-color because the page's CSP allows no inline style in the
 * markup; a custom property set from script is allowed.
 */
function drawCards(root) {
  for (const box of root.querySelectorAll('.card-box[data-color]')) {
    if (HEX_COLOUR.test(box.dataset.color)) box.style.setProperty('--card-color', box.dataset.color);
  }
  for (const time of root.querySelectorAll('.card time')) {
    const at = new Date(time.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    time.textContent = cardTimeFormat.format(at);
    time.title = at.toLocaleString();
  }
  for (const img of root.querySelectorAll('.avatar img, .card img')) {
    const hide = () => {
      img.hidden = true;
    };
    // A page's own images may have failed before this script ran; a new message's
    // (not yet in the page) have not started loading.
    if (img.isConnected && img.complete && img.naturalWidth === 0) hide();
    else img.addEventListener('error', hide, { once: true });
  }
}

function threadUrl(article) {
  return `${channelUrl}/t/${article.id.slice(2)}`;
}

function relabelDay(day) {
  const at = new Date(`${day.dataset.day}T12:00:00Z`);
  const span = day.querySelector('span');
  if (span && !Number.isNaN(at.getTime())) span.textContent = dayFormat.format(at);
}

function articles() {
  return list ? list.querySelectorAll('article.msg') : [];
}

function nearBottom() {
  return scroller && scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
}

function scrollToBottom() {
  if (scroller) scroller.scrollTop = scroller.scrollHeight;
}

function fromHtml(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content.firstElementChild;
}

/** Appends a new message of the open channel, once, grouped like the server groups. */
function appendMessage(message, html) {
  if (document.getElementById(`m-${message.id}`)) return;
  const article = fromHtml(html);
  if (!article) return;
  document.getElementById('empty')?.remove();
  const stick = nearBottom() || message.author_id === me;
  const at = new Date(message.created_at);
  const all = articles();
  const last = all[all.length - 1];
  const lastDay = last ? localDay(new Date(last.dataset.ts)) : null;
  if (lastDay !== localDay(at)) {
    const day = document.createElement('h2');
    day.className = 'day';
    const span = document.createElement('span');
    span.textContent = dayFormat.format(at);
    day.append(span);
    list.append(day);
  } else if (
    last &&
    last.dataset.author === message.author_id &&
    (last.dataset.as || '') === (article.dataset.as || '') &&
    !last.classList.contains('deleted') &&
    at - new Date(last.dataset.ts) < GROUP_MINUTES * 60000
  ) {
    article.classList.add('continued');
  }
  article.classList.add('fresh');
  decorate(article);
  list.append(article);
  if (stick) scrollToBottom();
  if (!thread) markRead(message.id);
}

function replaceBody(id, html) {
  const article = document.getElementById(`m-${id}`);
  const fresh = html && fromHtml(html);
  if (!article || !fresh) return;
  const body = fresh.querySelector('.body');
  article.querySelector('.body').replaceWith(body);
  drawCards(body);
  if (!article.querySelector('.edited')) {
    const edited = document.createElement('span');
    edited.className = 'edited';
    edited.textContent = '(edited)';
    body.after(edited);
  }
}

function tombstone(id) {
  const article = document.getElementById(`m-${id}`);
  if (!article) return;
  article.classList.add('deleted');
  article.classList.remove('mentions-me');
  const text = document.createElement('p');
  text.className = 'tombstone';
  text.textContent = 'This message was deleted.';
  article.querySelector('.body').replaceChildren(text);
  article.querySelector('.reactions')?.replaceChildren();
  article.querySelector('.edited')?.remove();
  article.querySelector('.actions')?.remove();
  article.querySelector('.edit-box')?.remove();
}

/** Repliers shown beside a reply count, as the server draws them (REPLIERS_SHOWN). */
const REPLIERS_SHOWN = 4;

function setReplies(parentId, count, repliers) {
  const article = document.getElementById(`m-${parentId}`);
  if (!article) return;
  let line = article.querySelector('.replies');
  if (count <= 0) {
    line?.remove();
    return;
  }
  if (!line) {
    line = document.createElement('a');
    line.className = 'replies';
    if (channelUrl) line.href = threadUrl(article);
    const faces = document.createElement('span');
    faces.className = 'repliers';
    faces.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'reply-count';
    line.append(faces, label);
    article.append(line);
  }
  line.querySelector('.reply-count').textContent = `${count} ${count === 1 ? 'reply' : 'replies'}`;
  const faces = line.querySelector('.repliers');
  if (faces && Array.isArray(repliers)) {
    faces.replaceChildren(...repliers.slice(0, REPLIERS_SHOWN).map((person) => {
      const face = document.createElement('span');
      face.className = 'replier';
      face.title = person.username;
      if (person.avatar_url?.startsWith('/api/avatars/')) {
        const img = document.createElement('img');
        img.src = person.avatar_url;
        img.alt = '';
        img.width = 20;
        img.height = 20;
        face.append(img);
      } else {
        face.textContent = person.username.charAt(0).toUpperCase();
      }
      return face;
    }));
  }
}

function changeReaction(messageId, emoji, userId, delta) {
  const article = document.getElementById(`m-${messageId}`);
  const chips = article?.querySelector('.reactions');
  if (!chips) return;
  let chip = [...chips.querySelectorAll('.chip')].find((c) => c.dataset.emoji === emoji);
  if (!chip && delta > 0) {
    const item = document.createElement('li');
    chip = document.createElement('button');
    chip.type = 'button';
    chip.className = 'chip';
    chip.dataset.emoji = emoji;
    chip.setAttribute('aria-pressed', 'false');
    const glyph = document.createElement('span');
    glyph.className = 'emoji';
    glyph.textContent = emoji;
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = '0';
    chip.append(glyph, ' ', count);
    item.append(chip);
    chips.append(item);
  }
  if (!chip) return;
  const count = chip.querySelector('.count');
  const next = Number(count.textContent) + delta;
  if (next <= 0) {
    chip.parentElement.remove();
    return;
  }
  count.textContent = String(next);
  if (userId === me) {
    chip.classList.toggle('mine', delta > 0);
    chip.setAttribute('aria-pressed', String(delta > 0));
  }
  // Who reacted, on hover: the names the server gave, kept up to date where the person
  // is known on the page.
  const name = authorName(userId);
  let names = (chip.dataset.users || '').split('\n').filter(Boolean);
  if (name && delta > 0 && !names.includes(name) && names.length < NAMED_REACTORS) names.push(name);
  if (name && delta < 0) names = names.filter((n) => n !== name);
  chip.dataset.users = names.join('\n');
  chip.title = `${whoReacted(names, next)} reacted with ${emoji}`;
}

/** How many of the people who reacted the server names (ReactionDto::NAMED). */
const NAMED_REACTORS = 20;

/** `alice`, `alice and bob`, `a, b and c`, `a, b and 3 others`, as the server writes it. */
function whoReacted(names, count) {
  const others = count - names.length;
  if (names.length === 0) return `${count} ${count === 1 ? 'person' : 'people'}`;
  if (others <= 0) {
    return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  }
  return `${names.join(', ')} and ${others} other${others === 1 ? '' : 's'}`;
}

function react(article, emoji, add) {
  const path = `/api/messages/${article.id.slice(2)}/reactions/${encodeURIComponent(emoji)}`;
  api(add ? 'PUT' : 'DELETE', path).catch((error) => showError(error.message));
}

// ------------------------------------------------------------------ message actions

const QUICK_EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '🙏', '✅', '🔥'];

/** Edits one of my messages in place: Enter saves, Esc cancels. */
async function startEdit(article) {
  const shown = article.querySelector('.body');
  if (!shown || article.querySelector('.edit-box')) return;
  const id = article.id.slice(2);
  const box = document.createElement('form');
  box.className = 'edit-box';
  const area = document.createElement('textarea');
  area.setAttribute('aria-label', 'Edit message');
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = 'Enter saves · Esc cancels';
  box.append(area, hint);
  shown.after(box);
  shown.hidden = true;
  const close = () => {
    box.remove();
    shown.hidden = false;
    textarea?.focus();
  };
  area.addEventListener('keydown', async (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      try {
        await api('PATCH', `/api/messages/${id}`, { body: area.value });
        close();
      } catch (error) {
        hint.textContent = `Not saved: ${error.message}`;
      }
    }
  });
  try {
    area.value = (await api('GET', `/api/messages/${id}`)).body;
    area.focus();
  } catch (error) {
    hint.textContent = error.message;
  }
}

function openPicker(article, button) {
  document.querySelector('.picker')?.remove();
  const picker = document.createElement('div');
  picker.className = 'picker';
  picker.setAttribute('role', 'menu');
  picker.setAttribute('aria-label', 'Reactions');
  for (const emoji of QUICK_EMOJI) {
    const choice = document.createElement('button');
    choice.type = 'button';
    choice.setAttribute('role', 'menuitem');
    choice.textContent = emoji;
    choice.addEventListener('click', () => {
      picker.remove();
      react(article, emoji, true);
    });
    picker.append(choice);
  }
  picker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      picker.remove();
      button.focus();
    }
  });
  article.append(picker);
  picker.querySelector('button')?.focus();
}

document.addEventListener('click', (event) => {
  const chip = event.target.closest?.('.chip');
  if (chip) {
    react(chip.closest('article.msg'), chip.dataset.emoji, !chip.classList.contains('mine'));
    return;
  }
  const action = event.target.closest?.('[data-act]');
  if (!action) {
    if (!event.target.closest?.('.picker')) document.querySelector('.picker')?.remove();
    return;
  }
  const article = action.closest('article.msg');
  switch (action.dataset.act) {
    case 'react':
      openPicker(article, action);
      break;
    case 'edit':
      startEdit(article);
      break;
    case 'reply':
      if (channelUrl) location.assign(threadUrl(article));
      break;
    case 'unread':
      api('POST', `/api/channels/${channel}/unread`, { message_id: article.id.slice(2) })
        .then(() => newLineBefore(article))
        .catch((error) => showError(error.message));
      break;
    case 'delete':
      // A plain confirmation: deleting cannot be undone, and everyone sees the tombstone.
      // eslint-disable-next-line no-alert
      if (confirm('Delete this message? Everyone will see that it was deleted.')) {
        api('DELETE', `/api/messages/${article.id.slice(2)}`).catch((error) => showError(error.message));
      }
      break;
    default:
      break;
  }
});

// ------------------------------------------------------------------ the sidebar

/** Positions already counted on the switcher, by channel (its channels are not listed). */
const switcherSeen = new Map();

/** Marks another community in the switcher unread (and counts a mention of me). */
function bumpCommunity(tab, channelId, seq, mentionsMe) {
  if (seq <= (switcherSeen.get(channelId) || 0)) return;
  switcherSeen.set(channelId, seq);
  tab.classList.add('unread');
  tab.querySelector('.unread-dot').hidden = false;
  if (mentionsMe) {
    const mention = tab.querySelector('.mention-badge');
    mention.textContent = String(Number(mention.textContent || 0) + 1);
    mention.hidden = false;
  }
}

function bumpBadge(channelId, seq, mentionsMe, communityId) {
  const link = document.getElementById(`side-${channelId}`);
  const tab = communityId && document.getElementById(`switch-${communityId}`);
  if (!link && tab && !tab.classList.contains('current')) {
    bumpCommunity(tab, channelId, seq, mentionsMe);
    return;
  }
  if (!link) {
    refreshSidebar();
    return;
  }
  // Counted already when the page was built, or seen before.
  if (seq <= Number(link.dataset.seq || 0)) return;
  link.dataset.seq = String(seq);
  link.classList.add('unread');
  const unread = link.querySelector('.unread-badge');
  unread.textContent = String(Number(unread.textContent || 0) + 1);
  unread.hidden = false;
  if (mentionsMe) {
    const mention = link.querySelector('.mention-badge');
    mention.textContent = String(Number(mention.textContent || 0) + 1);
    mention.hidden = false;
  }
}

let sidebarTimer = 0;
/** Redraws the sidebar from the server (channels created, renamed, archived, joined, left). */
function refreshSidebar() {
  clearTimeout(sidebarTimer);
  sidebarTimer = setTimeout(async () => {
    const response = await fetch(location.href, { credentials: 'same-origin' }).catch(() => null);
    if (!response?.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const fresh = page.querySelector('.sidebar');
    if (fresh) document.querySelector('.sidebar')?.replaceWith(document.adoptNode(fresh));
    showPresence();
  }, 300);
}

// ------------------------------------------------------------------ presence

/** Who is online, by user id, as last heard. */
const online = new Map();

/** Lights the sidebar's dots of the DMs whose people are online. */
function showPresence() {
  for (const dot of document.querySelectorAll('.presence[data-users]')) {
    const users = dot.dataset.users.split(' ').filter(Boolean);
    const on = users.some((u) => online.get(u));
    dot.classList.toggle('online', on);
    dot.closest('a')?.setAttribute('data-online', String(on));
  }
}

/** The presence of everyone with a dot, asked once at load; changes then arrive live. */
async function loadPresence() {
  const ids = [...new Set([...document.querySelectorAll('.presence[data-users]')]
    .flatMap((dot) => dot.dataset.users.split(' ').filter(Boolean)))];
  if (!ids.length) return;
  const list = await api('GET', `/api/presence?user_ids=${ids.slice(0, 200).join(',')}`);
  for (const p of list || []) online.set(p.user_id, p.online);
  showPresence();
}

/** A page that is open counts as its person being online, as the terminal client does. */
function heartbeat() {
  api('POST', '/api/heartbeat').catch(() => {});
}

// ------------------------------------------------------------------ typing

const typists = new Map();

function authorName(userId) {
  for (const article of articles()) {
    if (article.dataset.author === userId && !article.classList.contains('continued')) {
      return article.querySelector('.author')?.textContent;
    }
  }
  return null;
}

function showTyping() {
  if (!typingLine) return;
  const now = Date.now();
  for (const [user, entry] of typists) if (entry.until < now) typists.delete(user);
  const names = [...typists.values()].map((e) => e.name);
  typingLine.textContent =
    names.length === 0 ? '' :
    names.length === 1 ? `${names[0]} is typing…` :
    names.length === 2 ? `${names[0]} and ${names[1]} are typing…` :
    'Several people are typing…';
}
setInterval(showTyping, 1000);

let typingSentAt = 0;
function sendTyping(typing) {
  if (!channel) return;
  const now = Date.now();
  if (typing && now - typingSentAt < TYPING_RESEND_MS) return;
  typingSentAt = typing ? now : 0;
  fetch('/events/typing', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel_id: channel, typing }),
  }).catch(() => {});
}

// ------------------------------------------------------------------ the stream

function handle(event) {
  const data = event.data || {};
  switch (event.type) {
    case 'message.created':
      if (data.parent_id) {
        if (thread && data.parent_id === thread) appendMessage(data, event.html);
        break;
      }
      if (thread && data.channel_id === channel) break;
      typists.delete(data.author_id);
      showTyping();
      // A page of older history (a permalink) gets no live messages: its end is not the
      // channel's, and "Jump to the latest messages" leads there.
      if (data.channel_id === channel && list.dataset.latest !== 'false') appendMessage(data, event.html);
      else if (data.author_id !== me) {
        const article = fromHtml(event.html || '');
        const mentioned = (article?.dataset.mentions || '').split(' ');
        bumpBadge(data.channel_id, data.seq, mentioned.includes(myName) || (article && 'mentionsAll' in article.dataset), event.community_id);
      }
      break;
    case 'message.edited':
      replaceBody(data.id, event.html);
      break;
    case 'message.deleted':
      tombstone(data.message_id);
      break;
    case 'thread.updated':
      setReplies(data.parent_id, data.reply_count, data.reply_participants);
      break;
    case 'reaction.added':
      changeReaction(data.message_id, data.emoji, data.user_id, 1);
      break;
    case 'reaction.removed':
      changeReaction(data.message_id, data.emoji, data.user_id, -1);
      break;
    case 'typing':
      if (event.channel_id !== channel || data.user_id === me) break;
      if (data.typing) typists.set(data.user_id, { name: authorName(data.user_id) || 'Someone', until: Date.now() + TYPING_SHOWN_MS });
      else typists.delete(data.user_id);
      showTyping();
      break;
    case 'presence.updated':
      for (const change of data.changes || []) online.set(change.user_id, change.online);
      showPresence();
      break;
    case 'channel.updated':
      // The open channel's topic, as everyone in it sees it change.
      if (data.id === channel && !thread) {
        const topic = document.getElementById('topic');
        if (topic) {
          topic.textContent = data.topic || '';
          topic.hidden = !data.topic;
        }
      }
      refreshSidebar();
      break;
    case 'channel.created':
    case 'channel.archived':
    case 'member.joined':
    case 'member.left':
      refreshSidebar();
      break;
    case 'reload':
      location.reload();
      break;
    default:
      break;
  }
}

if (document.querySelector('.sidebar')) {
  heartbeat();
  setInterval(heartbeat, 60_000);
  loadPresence().catch(() => {});
}

// ------------------------------------------------------------------ one stream per person

// Browsers keep about six HTTP/1.1 connections per host, so a stream per tab would stall
// the seventh tab. Instead the tabs of one person hold one stream between them: the tab
// that holds a Web Lock named for the person opens it and passes each event on over a
// BroadcastChannel; when that tab closes, the lock passes to another tab, which resumes
// from the last event it saw. A tab that opens late asks the holder for what it missed
// since its page was built (the holder keeps the last few hundred events). Each tab
// applies an event once: positioned events by position, messages by id.
const RECENT = 500;
/** The highest stream position this tab has applied. */
let appliedUpTo = Number(list?.dataset.resume || 0);
let leading = false;
const recent = [];
const tabId = Math.random().toString(36).slice(2);
const bus = 'BroadcastChannel' in window && navigator.locks ? new BroadcastChannel(`ajet-events-${me}`) : null;

/** Events that are never stored, so have no position of their own. */
const EPHEMERAL = new Set(['typing', 'presence.updated', 'presence.changed', 'hello']);

function apply(raw, id) {
  let event;
  try {
    event = JSON.parse(raw);
  } catch {
    return;
  }
  // An SSE MessageEvent's lastEventId carries the previous event's position over an
  // ephemeral event, which has none of its own.
  const position = EPHEMERAL.has(event.type) ? 0 : Number(id || 0);
  if (position && position <= appliedUpTo) return;
  if (position) appliedUpTo = position;
  handle(event);
}

// The stream's state, shown in the page while it is anything but live.
const connection = document.getElementById('connection');
let connectionState = 'connecting';
let connectedTimer = 0;

/** Shows the stream's state honestly: nothing while live, a line while it is not. */
function showConnection(state) {
  const was = connectionState;
  connectionState = state;
  if (!connection) return;
  clearTimeout(connectedTimer);
  connection.dataset.state = state;
  if (state === 'reconnecting') {
    connection.textContent = 'Connection lost — reconnecting…';
  } else if (state === 'live' && was === 'reconnecting') {
    // Say it came back (screen readers hear it too), then get out of the way.
    connection.textContent = 'Reconnected.';
    connectedTimer = setTimeout(() => {
      connection.textContent = '';
    }, 2000);
  } else {
    connection.textContent = '';
  }
}

/** Tells this tab and, when it holds the stream for the others, them. */
function setConnection(state) {
  if (state === connectionState) return;
  showConnection(state);
  bus?.postMessage({ kind: 'status', state });
}

// A browser's EventSource retries by itself after a dropped connection, but gives up for
// good (readyState CLOSED) after an error answer — the gateway's 503 while web-sm is down,
// say. Then this tab opens a new one itself, waiting 1 s, 2 s, 4 s … up to 30 s between
// tries, and resumes after the last event it applied, so nothing is missed or repeated.
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
let retryDelay = RETRY_FIRST_MS;
let retryTimer = 0;
let stream = null;

function openStream() {
  clearTimeout(retryTimer);
  retryTimer = 0;
  stream?.close();
  stream = new EventSource(`/events?after=${encodeURIComponent(String(appliedUpTo))}`);
  stream.onopen = () => {
    retryDelay = RETRY_FIRST_MS;
    setConnection('live');
  };
  stream.onerror = () => {
    setConnection('reconnecting');
    // CONNECTING: the browser is retrying on its own, with Last-Event-ID.
    if (stream.readyState !== EventSource.CLOSED) return;
    stream = null;
    retryTimer = setTimeout(openStream, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  };
  stream.onmessage = (message) => {
    const id = message.lastEventId || '';
    apply(message.data, id);
    if (!bus) return;
    recent.push({ raw: message.data, id });
    if (recent.length > RECENT) recent.shift();
    bus.postMessage({ kind: 'event', raw: message.data, id });
  };
}

function lead() {
  leading = true;
  openStream();
  // Back on the network: try now rather than at the end of a long wait.
  window.addEventListener('online', () => {
    if (retryTimer) openStream();
  });
}

if (list) {
  if (bus) {
    bus.onmessage = ({ data }) => {
      if (data.kind === 'event' && !leading) {
        apply(data.raw, data.id);
      } else if (data.kind === 'missed' && leading) {
        // What the asking tab's page may lack; it drops what it has already, by position.
        bus.postMessage({ kind: 'replay', to: data.from, events: recent, state: connectionState });
      } else if (data.kind === 'replay' && data.to === tabId && !leading) {
        for (const e of data.events) apply(e.raw, e.id);
        showConnection(data.state);
      } else if (data.kind === 'status' && !leading) {
        showConnection(data.state);
      }
    };
    // Held until this tab closes; the promise never settles.
    navigator.locks.request(`ajet-events-${me}`, () => new Promise(() => lead()));
    bus.postMessage({ kind: 'missed', from: tabId, after: appliedUpTo });
  } else {
    lead();
  }
}

// ------------------------------------------------------------------ the api

async function api(method, path, payload) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (response.status === 401) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new Error('signed out');
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new Error(json?.message || `the server answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return json;
}

let readTimer = 0;
function markRead(messageId) {
  if (document.hidden || !channel) return;
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    api('POST', `/api/channels/${channel}/read`, { message_id: messageId }).catch(() => {});
  }, 500);
}

// ------------------------------------------------------------------ the composer

const draftKey = channel ? `ajet-draft:${thread || channel}` : null;

/** Whether the error line speaks of a file that failed, not of the text. */
let errorAboutFiles = false;

function showError(message) {
  errorAboutFiles = false;
  if (!errorLine) return;
  errorLine.textContent = message;
  errorLine.hidden = !message;
}

function fit() {
  textarea.style.height = 'auto';
  textarea.style.height = `${textarea.scrollHeight + 2}px`;
}

let sending = false;

async function send() {
  if (sending) return;
  sending = true;
  showError('');
  composer.classList.add('sending');
  try {
    // Files still on their way: the message leaves when they are up (or one fails).
    while (uploads.some((u) => u.state === 'uploading')) {
      await Promise.all(uploads.map((u) => u.done));
    }
    const failed = uploads.find((u) => u.state === 'failed');
    if (failed) {
      showError(`Not sent: ${failed.name} was not uploaded: ${failed.error}. Remove it to send the rest.`);
      errorAboutFiles = true;
      return;
    }
    const text = textarea.value;
    const attachments = uploads.map((u) => u.id);
    if (!text.trim() && !attachments.length) return;
    if (text.startsWith('/') && !text.startsWith('//')) {
      if (attachments.length) {
        showError('Not sent: a command cannot carry files. Remove the files, or start the text with // to send it as a message.');
        return;
      }
      const answer = await api('POST', '/api/commands', { channel_id: channel, text });
      if (answer?.kind === 'ephemeral' && ephemeral) {
        ephemeral.textContent = answer.markdown;
        ephemeral.hidden = false;
      }
    } else {
      const bodyText = text.startsWith('//') ? text.slice(1) : text;
      await api('POST', `/api/channels/${channel}/messages`, {
        body: bodyText,
        ...(attachments.length ? { attachments } : {}),
        idempotency_key: crypto.randomUUID(),
        ...(thread ? { parent_id: thread } : {}),
      });
    }
    // What was typed while the message was on its way stays.
    if (textarea.value === text) {
      textarea.value = '';
      localStorage.removeItem(draftKey);
    }
    clearUploads(attachments);
    fit();
    sendTyping(false);
  } catch (error) {
    if (error.status === undefined && !navigator.onLine) {
      showError('Not sent: you are offline. Your message is kept here.');
    } else if (error.status === undefined) {
      showError('Not sent: the server cannot be reached. Your message is kept here.');
    } else {
      showError(`Not sent: ${error.message}`);
    }
  } finally {
    sending = false;
    composer.classList.remove('sending');
  }
}

// ------------------------------------------------------------------ files

// Files chosen with the paperclip, pasted into the text box or dropped on the channel
// upload at once, one request each (so that each has its own progress and its own
// failure), and wait as chips above the text box until the message carrying them is sent.
// An upload never posted is swept by the api after a day.
const uploadList = document.getElementById('uploads');
const attachButton = document.getElementById('attach');
const fileInput = document.getElementById('composer-files');
const MAX_FILES = 10;
/**
 * The api's upload limit (AJET_MAX_UPLOAD_MB, which web-sm reads too): a larger file is
 * refused here at once, in the api's words, rather than after it has been sent.
 */
const maxUploadMb = Number(fileInput?.dataset.maxMb) || 0;
/** Pictures larger than this get the file icon, not a preview: decoding them costs too much. */
const MAX_PREVIEW_BYTES = 20 * 1024 * 1024;
/**
 * The files of the message being written, in the order added: the File, its name, its
 * state (uploading, done, failed), the attachment id once up, why it failed, a promise
 * settled when its request ends, the request, and its chip's elements.
 */
let uploads = [];

/** A size as the server writes it (ajet_core::files::human_size). */
function humanSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Shows the chips (or hides the empty list) and lets the text be empty while files wait. */
function refreshUploads() {
  uploadList.hidden = uploads.length === 0;
  textarea.required = uploads.length === 0;
  composer.classList.toggle('uploading', uploads.some((u) => u.state === 'uploading'));
}

function setUploadState(item, state, detail) {
  item.state = state;
  item.chip.className = `upload ${state}`;
  item.status.textContent = detail;
  if (state !== 'uploading') item.progress.hidden = true;
  refreshUploads();
}

/**
 * Draws an image's preview on a canvas: the page's Content-Security-Policy lets no image
 * load from a blob: or data: address, and a canvas needs none.
 */
async function drawPreview(item, box) {
  if (!item.file.type.startsWith('image/') || item.file.size > MAX_PREVIEW_BYTES) return;
  if (typeof createImageBitmap !== 'function') return;
  try {
    const bitmap = await createImageBitmap(item.file);
    const canvas = document.createElement('canvas');
    const side = 96;
    canvas.width = side;
    canvas.height = side;
    const crop = Math.min(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(
      bitmap,
      (bitmap.width - crop) / 2,
      (bitmap.height - crop) / 2,
      crop,
      crop,
      0,
      0,
      side,
      side,
    );
    bitmap.close();
    box.replaceChildren(canvas);
    box.classList.add('image');
  } catch {
    // Not an image this browser decodes: the file icon stays.
  }
}

function removeUpload(item) {
  item.xhr?.abort();
  // Stored already: let the server drop it now rather than at its daily sweep.
  if (item.id) api('DELETE', `/api/attachments/${item.id}`).catch(() => {});
  const index = uploads.indexOf(item);
  uploads = uploads.filter((u) => u !== item);
  item.chip.remove();
  refreshUploads();
  if (errorAboutFiles && !uploads.some((u) => u.state === 'failed')) showError('');
  // Focus to the next chip's button, or back to the text.
  const next = uploads[Math.min(index, uploads.length - 1)];
  (next?.chip.querySelector('.upload-remove') || textarea).focus();
}

/** Takes away the chips of the files just sent (and only those). */
function clearUploads(sentIds) {
  for (const item of uploads.filter((u) => sentIds.includes(u.id))) item.chip.remove();
  uploads = uploads.filter((u) => !sentIds.includes(u.id));
  refreshUploads();
}

function uploadFailed(item, why) {
  item.error = why;
  setUploadState(item, 'failed', 'Not uploaded');
  item.chip.title = why;
  showError(`${item.name} was not uploaded: ${why}`);
  errorAboutFiles = true;
}

function startUpload(item) {
  const form = new FormData();
  form.append('file', item.file, item.name);
  const xhr = new XMLHttpRequest();
  item.xhr = xhr;
  item.done = new Promise((resolve) => {
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) item.progress.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener('load', () => {
      item.xhr = null;
      if (xhr.status === 401) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      }
      let json = null;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = null;
      }
      const stored = xhr.status === 201 && json?.attachments?.[0];
      if (stored) {
        item.id = stored.id;
        setUploadState(item, 'done', humanSize(stored.size));
      } else {
        uploadFailed(item, json?.message || `the server answered ${xhr.status}`);
      }
      resolve();
    });
    xhr.addEventListener('error', () => {
      item.xhr = null;
      uploadFailed(item, navigator.onLine ? 'the server cannot be reached' : 'you are offline');
      resolve();
    });
    xhr.addEventListener('abort', () => resolve());
  });
  xhr.open('POST', `/api/channels/${channel}/attachments`);
  xhr.send(form);
}

/** Adds files to the message being written, and starts uploading them. */
function addFiles(files) {
  const chosen = [...files];
  if (!chosen.length) return;
  showError('');
  const room = MAX_FILES - uploads.length;
  if (chosen.length > room) {
    showError(`A message carries at most ${MAX_FILES} files: ${chosen.length - Math.max(room, 0)} left out.`);
  }
  for (const file of chosen.slice(0, Math.max(room, 0))) {
    const name = file.name || 'pasted file';
    const chip = document.createElement('li');
    const preview = document.createElement('span');
    preview.className = 'upload-preview';
    preview.setAttribute('aria-hidden', 'true');
    preview.textContent = '📄';
    const label = document.createElement('span');
    label.className = 'upload-name';
    label.textContent = name;
    label.title = name;
    const status = document.createElement('span');
    status.className = 'upload-status';
    status.textContent = humanSize(file.size);
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute('aria-label', `Uploading ${name}`);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'upload-remove';
    remove.setAttribute('aria-label', `Remove ${name}`);
    remove.title = 'Remove';
    remove.textContent = '×';
    chip.append(preview, label, status, progress, remove);
    const item = { file, name, state: 'uploading', id: null, error: null, done: null, xhr: null, chip, status, progress };
    chip.className = 'upload uploading';
    remove.addEventListener('click', () => removeUpload(item));
    uploads.push(item);
    uploadList.append(chip);
    drawPreview(item, preview);
    if (maxUploadMb && file.size > maxUploadMb * 1024 * 1024) {
      item.done = Promise.resolve();
      uploadFailed(item, `the upload is larger than this server accepts (${maxUploadMb} MiB at most)`);
    } else {
      startUpload(item);
    }
  }
  refreshUploads();
}

/** Whether a drag carries files (not text or a link dragged from the page). */
function carriesFiles(event) {
  return [...(event.dataTransfer?.types || [])].includes('Files');
}

if (composer && textarea && uploadList && attachButton && fileInput && channel) {
  attachButton.hidden = false;
  attachButton.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files);
    // The same file can be chosen again after its chip was removed.
    fileInput.value = '';
    textarea.focus();
  });
  textarea.addEventListener('paste', (event) => {
    const files = event.clipboardData?.files;
    if (!files?.length) return;
    event.preventDefault();
    addFiles(files);
  });
  // Dropping files anywhere on the channel's column attaches them; the column says so
  // while they are dragged over it.
  const zone = composer.closest('.main') || document.body;
  zone.dataset.drop = composer.dataset.drop || 'Drop files to attach them';
  let depth = 0;
  zone.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth += 1;
    zone.classList.add('dropping');
  });
  zone.addEventListener('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove('dropping');
  });
  zone.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('dropping');
    addFiles(event.dataTransfer.files);
    textarea.focus();
  });
  // A file dropped a little off the column is not opened in place of the page.
  window.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = zone.contains(event.target) ? 'copy' : 'none';
  });
  window.addEventListener('drop', (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
}

// ------------------------------------------------------------------ completion

// Typing `@` completes members, `#` channels, `:` emoji and a leading `/` commands: a list
// under the composer, ↑/↓ to move, Enter or Tab to take, Esc to close.
const completeList = document.getElementById('complete');
const communityId = list?.dataset.community;
let completing = null;
let memberNames = null;
let commandNames = null;

async function candidates(kind, q) {
  const lower = q.toLowerCase();
  switch (kind) {
    case '@': {
      if (!memberNames && communityId) {
        const members = await api('GET', `/api/communities/${communityId}/members?limit=500`);
        memberNames = (members || []).map((m) => m.user.username).filter((n) => n !== myName);
      }
      return (memberNames || []).filter((n) => n.toLowerCase().startsWith(lower)).slice(0, 8)
        .map((n) => ({ label: `@${n}`, insert: `@${n} ` }));
    }
    case '#':
      return [...document.querySelectorAll('.community .side-link .hash + .name')]
        .map((n) => n.textContent)
        .filter((n) => n.toLowerCase().startsWith(lower)).slice(0, 8)
        .map((n) => ({ label: `#${n}`, insert: `#${n} ` }));
    case ':': {
      if (q.length < 2) return [];
      const found = await fetch(`/emoji?q=${encodeURIComponent(q)}`).then((r) => r.json()).catch(() => []);
      return found.map((e) => ({ label: `${e.emoji} :${e.shortcode}:`, insert: `${e.emoji} ` }));
    }
    case '/': {
      if (!commandNames) {
        const commands = await api('GET', `/api/commands?channel_id=${channel}`);
        commandNames = [...new Set((commands || []).map((c) => c.name.split(' ')[0]))];
      }
      return commandNames.filter((n) => n.startsWith(lower)).slice(0, 8)
        .map((n) => ({ label: `/${n}`, insert: `/${n} ` }));
    }
    default:
      return [];
  }
}

function closeCompletion() {
  completing = null;
  if (!completeList) return;
  completeList.hidden = true;
  completeList.replaceChildren();
  textarea.removeAttribute('aria-activedescendant');
}

function showCompletion() {
  completeList.replaceChildren(...completing.items.map((item, i) => {
    const li = document.createElement('li');
    li.id = `complete-${i}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', String(i === completing.index));
    li.textContent = item.label;
    li.addEventListener('mousedown', (event) => {
      event.preventDefault();
      completing.index = i;
      acceptCompletion();
    });
    return li;
  }));
  completeList.hidden = false;
  textarea.setAttribute('aria-activedescendant', `complete-${completing.index}`);
}

function acceptCompletion() {
  const item = completing.items[completing.index];
  const before = textarea.value.slice(0, completing.start);
  const after = textarea.value.slice(textarea.selectionStart);
  textarea.value = before + item.insert + after;
  const caret = before.length + item.insert.length;
  textarea.setSelectionRange(caret, caret);
  closeCompletion();
  textarea.dispatchEvent(new Event('input'));
}

async function updateCompletion() {
  if (!completeList) return;
  const upto = textarea.value.slice(0, textarea.selectionStart);
  const match = /(^|\s)([@#:])([\w.+-]*)$/.exec(upto) || /^(\/)([a-z-]*)$/.exec(upto);
  if (!match) {
    closeCompletion();
    return;
  }
  const [kind, q] = match[1] === '/' ? ['/', match[2]] : [match[2], match[3]];
  const start = upto.length - q.length - 1;
  const items = await candidates(kind, q).catch(() => []);
  // The text may have changed while the suggestions were fetched.
  if (textarea.value.slice(0, textarea.selectionStart) !== upto) return;
  if (!items.length) {
    closeCompletion();
    return;
  }
  completing = { start, items, index: 0 };
  showCompletion();
}

if (textarea && completeList) {
  textarea.addEventListener('input', () => {
    updateCompletion();
  });
  textarea.addEventListener('blur', () => setTimeout(closeCompletion, 100));
  // Registered before the composer's own keys, so that a key a list is open for goes to it.
  textarea.addEventListener('keydown', (event) => {
    if (!completing) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const n = completing.items.length;
      completing.index = (completing.index + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
      showCompletion();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      acceptCompletion();
    } else if (event.key === 'Escape') {
      closeCompletion();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  });
}

if (composer && textarea) {
  if (!textarea.value) textarea.value = localStorage.getItem(draftKey) || '';
  fit();
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'ArrowUp' && textarea.value === '') {
      // Up in an empty composer edits my last message, as in Slack.
      const mine = [...articles()].filter((a) => a.classList.contains('mine') && !a.classList.contains('deleted'));
      if (mine.length) {
        event.preventDefault();
        startEdit(mine[mine.length - 1]);
      }
    } else if (event.key === 'Escape' && ephemeral) {
      ephemeral.hidden = true;
    }
  });
  textarea.addEventListener('input', () => {
    fit();
    // A refusal is about the text as it was: editing it puts the refusal away.
    if (errorLine && !errorLine.hidden && !errorAboutFiles) showError('');
    if (textarea.value) {
      localStorage.setItem(draftKey, textarea.value);
      sendTyping(true);
    } else {
      localStorage.removeItem(draftKey);
      sendTyping(false);
    }
  });
}

// ------------------------------------------------------------------ older history

let loadingOlder = false;
async function loadOlder() {
  const link = document.getElementById('older');
  if (!link || loadingOlder) return;
  loadingOlder = true;
  try {
    const response = await fetch(link.href, { credentials: 'same-origin' });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    const older = page.getElementById('messages');
    if (!older) return;
    const firstDay = list.querySelector('h2.day');
    const olderDays = older.querySelectorAll('h2.day');
    const lastOlderDay = olderDays[olderDays.length - 1];
    if (firstDay && lastOlderDay && firstDay.dataset.day === lastOlderDay.dataset.day && list.firstElementChild === firstDay) {
      firstDay.remove();
    }
    const height = scroller.scrollHeight;
    const nodes = [...older.children].map((n) => document.adoptNode(n));
    for (const node of nodes) {
      if (node.matches?.('article.msg')) decorate(node);
      else if (node.matches?.('h2.day')) relabelDay(node);
    }
    list.prepend(...nodes);
    scroller.scrollTop += scroller.scrollHeight - height;
    const next = page.getElementById('older');
    if (next) link.href = next.href;
    else link.parentElement.remove();
  } finally {
    loadingOlder = false;
  }
}

if (scroller) {
  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop < 200) loadOlder();
  });
  document.getElementById('older')?.addEventListener('click', (event) => {
    event.preventDefault();
    loadOlder();
  });
}

// ------------------------------------------------------------------ unread

/** Puts the "New messages" line before `article` (moving it if it is elsewhere). */
function newLineBefore(article) {
  let line = list.querySelector('.new-line');
  if (!line) {
    line = document.createElement('p');
    line.className = 'new-line';
    line.id = 'new-line';
    line.textContent = 'New messages';
  }
  article.before(line);
  watchNewLine(line);
}

const jump = document.getElementById('jump-unread');
let lineWatcher = null;
/** Offers "Jump to the first unread" while the "New messages" line is out of sight. */
function watchNewLine(line) {
  if (!jump || !scroller || !('IntersectionObserver' in window)) return;
  lineWatcher?.disconnect();
  lineWatcher = new IntersectionObserver(([entry]) => {
    jump.hidden = entry.isIntersecting;
  }, { root: scroller });
  lineWatcher.observe(line);
}

jump?.addEventListener('click', () => {
  document.getElementById('new-line')?.scrollIntoView({ block: 'center' });
});

// ------------------------------------------------------------------ first draw

if (list) {
  for (const article of articles()) decorate(article);
  for (const parent of document.querySelectorAll('.thread-parent article.msg')) decorate(parent);
  for (const day of list.querySelectorAll('h2.day')) relabelDay(day);
  const lastRead = Number(list.dataset.lastRead || 0);
  const firstUnread = [...articles()].find((a) => Number(a.dataset.seq) > lastRead && a.dataset.author !== me);
  const focus = list.dataset.focus && document.getElementById(list.dataset.focus);
  if (focus) {
    // A permalink: its message in the middle, highlighted.
    focus.classList.add('focused');
    focus.scrollIntoView({ block: 'center' });
  } else if (firstUnread && lastRead > 0) {
    newLineBefore(firstUnread);
    document.getElementById('new-line').scrollIntoView({ block: 'center' });
  } else {
    scrollToBottom();
  }
}
