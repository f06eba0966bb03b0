// The web client in a real browser: Debian's Chromium, headless, driven by playwright-core.
//
// Run by the end-to-end test `web` (e2e/tests/web.rs), which starts the four services
// and passes: AJET_BASE (the gateway), AJET_ALICE and AJET_BOB (session tokens of two
// members of the default community, alice an admin of it), AJET_SCREENSHOTS (a folder the run keeps) and
// AJET_CHROMIUM (the browser). Exits non-zero with a sentence naming the first failure.
//
// To stop and start parts of the stack with the browsers open, it prints `AJET_KILL web-sm`
// (or `AJET_START web-sm`, `AJET_KILL nats`, `AJET_START nats`) on a line of its own and
// waits for the harness to answer `done` on stdin.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deflateSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

const base = process.env.AJET_BASE;
const tokens = { alice: process.env.AJET_ALICE, bob: process.env.AJET_BOB };
const shots = process.env.AJET_SCREENSHOTS;
const executablePath = process.env.AJET_CHROMIUM || '/usr/bin/chromium';
const WAIT = 10_000;

mkdirSync(shots, { recursive: true });

// ---------------------------------------------------------------------------- the harness

let harnessLines = null;
/** Asks the Rust harness to do `command` (e.g. `KILL web-sm`) and waits until it has. */
async function harness(command) {
  harnessLines ??= createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log(`AJET_${command}`);
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the harness did not answer ${command} within 60 s`)), 60_000);
  });
  try {
    const { value, done } = await Promise.race([harnessLines.next(), late]);
    if (done) throw new Error(`the harness closed stdin instead of answering ${command}`);
    if (value.trim() !== 'done') throw new Error(`the harness could not ${command}: ${value}`);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------- the api

async function api(who, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${tokens[who]}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const me = await api('alice', 'GET', '/api/me');
const community = me.communities[0];
const { channels } = await api('alice', 'GET', '/api/channels');
const general = channels.find((c) => c.name === 'general');
assert.ok(general, 'alice is in #general');

async function channel(name, topic) {
  const created = await api('alice', 'POST', `/api/communities/${community.id}/channels`, { name, topic });
  await api('bob', 'POST', `/api/channels/${created.id}/join`);
  return created;
}
const random = await channel('random', 'off topic');
const history = await channel('history', 'a long one');

const urlOf = (name) => `${base}/c/${community.slug}/${name}`;

// ---------------------------------------------------------------------------- files

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A size as the page writes it. */
function humanSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A real PNG of `width` × `height`: a diagonal gradient, so a screenshot shows it. */
function png(width, height) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x += 1) {
      rows[row + 1 + x * 3] = Math.round((255 * x) / width);
      rows[row + 2 + x * 3] = 110;
      rows[row + 3 + x * 3] = Math.round((255 * y) / height);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------- the browser

// playwright gives every launch a fresh, empty profile of its own.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
});
const problems = [];
/** Set just before the test sends a command it expects to be refused. */
let expectRefusal = false;
/** Set just before the test uploads a file the api refuses. */
let expectUploadRefusal = false;
/** Set while web-sm is down on purpose: the stream's failed loads are expected then. */
let outage = false;

async function person(who, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  await context.addCookies([{ name: 'ajet_session', value: tokens[who], url: base }]);
  await context.addInitScript(() => {
    window.__xss = undefined;
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url || '';
    // The 404 pages this test opens on purpose are logged by the browser as failed loads.
    if (/no-such-channel|no-such-community|\/secret$|\/m\/[0-9a-f-]+$/.test(where) && /404/.test(m.text())) return;
    // And the page that refuses a channel name in use, which the test submits on purpose.
    if (/\/browse\/[^/]+\/channels$/.test(where) && /409/.test(m.text())) return;
    // As is the refusal of the unknown command the test types on purpose (the page shows
    // its sentence; the browser logs the 400 itself).
    if (/\/api\/commands$/.test(where) && /400/.test(m.text()) && expectRefusal) {
      expectRefusal = false;
      return;
    }
    // And the empty file the test uploads on purpose.
    if (/\/attachments$/.test(where) && /422/.test(m.text()) && expectUploadRefusal) {
      expectUploadRefusal = false;
      return;
    }
    // The stream refused by the gateway while web-sm is down on purpose, and a typing
    // signal that was on its way when it went.
    if (outage && (/\/events(\/typing)?(\?|$)/.test(where) || /EventSource/.test(m.text()))) return;
    problems.push(`${who}: console error at ${where}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('dialog', (d) => {
    // The one dialog the app opens: the confirmation before deleting a message.
    if (d.type() === 'confirm' && d.message().startsWith('Delete this message?')) {
      d.accept();
      return;
    }
    problems.push(`${who}: a dialog opened: ${d.message()}`);
    d.dismiss();
  });
  return { context, page };
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

const messagesIn = (page) => page.locator('#messages article.msg');

/** Set just before a sign-in the test expects to be refused. */
let expectSignInRefusal = false;

/**
 * The gateway's own pages, as someone not signed in sees them: sign-in and sign-up (the
 * first run's while nobody owns a community yet), light and dark, desktop and phone;
 * their styles from the gateway itself, nothing from another origin, every input
 * labelled, focus visible, no serious accessibility violation.
 */
async function gatewayPages(firstRun) {
  const tag = firstRun ? 'first-run' : 'gateway';
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const offsite = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) offsite.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url || '';
    if (expectSignInRefusal && /\/login$/.test(where) && /40[13]/.test(m.text())) {
      expectSignInRefusal = false;
      return;
    }
    problems.push(`${tag}: console error at ${where}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${tag}: page error: ${e.message}`));

  async function check(name) {
    const sheets = await page.evaluate(() => [...document.styleSheets].map((s) => s.href));
    assert.deepEqual(sheets, [`${base}/auth/static/gateway.css`], `${name}: the gateway's own stylesheet`);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden])')]
      .filter((i) => i.labels.length === 0).map((i) => i.name));
    assert.deepEqual(unlabelled, [], `${name}: every input has a label`);
    await page.locator('input[name=username]').focus();
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'solid', `${name}: focus is visible`);
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [size, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]]) {
        await page.setViewportSize({ width, height });
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), `${name}: nothing wider than a ${size}`);
        await shot(page, `${tag}-${name}-${size}-${scheme}`);
      }
      const result = await new AxeBuilder({ page }).analyze();
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], `axe (${name}, ${scheme})`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  await page.goto(`${base}/login`);
  assert.equal(await page.locator('h1').innerText(), 'Sign in');
  assert.equal(await page.locator('.first-run').count(), firstRun ? 1 : 0, 'the first run is offered while nobody owns a community');
  await check('signin');
  await page.goto(`${base}/signup`);
  assert.equal(await page.locator('h1').innerText(), firstRun ? 'Create the first community' : 'Sign up');
  assert.equal(await page.locator('#community').count(), firstRun ? 1 : 0);
  await check('signup');
  if (!firstRun) {
    await page.goto(`${base}/login`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'not her password');
    expectSignInRefusal = true;
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await page.locator('.error[role=alert]').waitFor({ timeout: WAIT });
    assert.equal(await page.inputValue('#username'), 'alice', 'the name is kept');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, `${tag}-signin-error-phone-light`);
  }
  assert.deepEqual(offsite, [], 'nothing loads from another origin');
  await context.close();
}

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    console.log(`FAIL ${name}: ${error.message}`);
    throw error;
  }
}

try {
  // First, while nobody owns a community yet (alice is an admin, not an owner).
  await step('the first-run sign-in and sign-up pages look like the app, light and dark, desktop and phone', async () => {
    await gatewayPages(true);
  });

  const alice = await person('alice');
  const bob = await person('bob');

  await step('both open #general', async () => {
    await alice.page.goto(urlOf('general'));
    await bob.page.goto(urlOf('general'));
    await alice.page.waitForSelector('#composer-text');
    await bob.page.waitForSelector('#composer-text');
    assert.equal(await alice.page.locator('.channel-head h1').innerText(), '#general');
  });

  await step('a message typed by alice appears once in both tabs and her composer clears', async () => {
    await alice.page.fill('#composer-text', 'hello **bob**');
    await alice.page.press('#composer-text', 'Enter');
    await bob.page.locator('#messages article.msg', { hasText: 'hello bob' }).waitFor({ timeout: WAIT });
    await alice.page.locator('#messages article.msg', { hasText: 'hello bob' }).waitFor({ timeout: WAIT });
    assert.equal(await alice.page.inputValue('#composer-text'), '');
    await alice.page.waitForTimeout(500);
    assert.equal(await messagesIn(alice.page).filter({ hasText: 'hello bob' }).count(), 1);
    assert.equal(await messagesIn(bob.page).filter({ hasText: 'hello bob' }).count(), 1);
    assert.equal(await bob.page.locator('#messages article.msg strong', { hasText: 'bob' }).count(), 1);
  });

  await step('Shift+Enter breaks the line, Enter sends both lines as one message', async () => {
    await bob.page.fill('#composer-text', 'line one');
    await bob.page.press('#composer-text', 'Shift+Enter');
    await bob.page.type('#composer-text', 'line two');
    await bob.page.press('#composer-text', 'Enter');
    const sent = alice.page.locator('#messages article.msg', { hasText: 'line two' });
    await sent.waitFor({ timeout: WAIT });
    assert.equal(await sent.locator('.body').innerText(), 'line one\nline two');
  });

  await step('slash commands answer the sender only, and an unknown one says what to type', async () => {
    await alice.page.fill('#composer-text', '/topic Release day');
    await alice.page.press('#composer-text', 'Enter');
    const notice = alice.page.locator('#ephemeral');
    await notice.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await notice.innerText(), 'The topic of #general is now: Release day');
    await shot(alice.page, 'command-answer-desktop-light');
    assert.equal(await alice.page.inputValue('#composer-text'), '', 'the composer clears');
    assert.equal(await bob.page.locator('#ephemeral').isVisible(), false, 'bob sees no answer meant for alice');
    await bob.page.locator('#topic', { hasText: 'Release day' }).waitFor({ timeout: WAIT });
    await alice.page.fill('#composer-text', '/frobnicate');
    expectRefusal = true;
    await alice.page.press('#composer-text', 'Enter');
    const error = alice.page.locator('#composer-error');
    await error.waitFor({ state: 'visible', timeout: WAIT });
    assert.match(await error.innerText(), /unknown command \/frobnicate — \/help lists the commands you can run/);
    assert.equal(await alice.page.inputValue('#composer-text'), '/frobnicate', 'a refused command stays in the composer');
    await alice.page.fill('#composer-text', '');
    await alice.page.press('#composer-text', 'Escape');
  });

  await step('the composer completes members, channels, emoji and commands', async () => {
    const box = '#composer-text';
    const option = (text) => alice.page.locator('#complete [role=option]', { hasText: text });
    await alice.page.fill(box, '');
    await alice.page.locator(box).pressSequentially('hi @bo');
    await option('@bob').waitFor({ timeout: WAIT });
    await alice.page.press(box, 'Enter');
    assert.equal(await alice.page.inputValue(box), 'hi @bob ', 'Enter takes the suggestion and sends nothing');
    await alice.page.locator(box).pressSequentially('nice :tad');
    await option(':tada:').waitFor({ timeout: WAIT });
    await shot(alice.page, 'complete-desktop-light');
    await alice.page.press(box, 'Tab');
    assert.equal(await alice.page.inputValue(box), 'hi @bob nice 🎉 ');
    await alice.page.locator(box).pressSequentially('in #gen');
    await option('#general').waitFor({ timeout: WAIT });
    await alice.page.press(box, 'Enter');
    assert.equal(await alice.page.inputValue(box), 'hi @bob nice 🎉 in #general ');
    await alice.page.fill(box, '');
    await alice.page.locator(box).pressSequentially('/to');
    await option('/topic').waitFor({ timeout: WAIT });
    await alice.page.press(box, 'Escape');
    assert.equal(await alice.page.locator('#complete').isVisible(), false, 'Esc closes the list');
    await alice.page.fill(box, '');
  });

  await step('ten tabs of one person share one stream, and it moves on when its tab closes', async () => {
    const many = await person('bob');
    const tabs = [many.page];
    for (let i = 1; i < 10; i += 1) tabs.push(await many.context.newPage());
    for (const tab of tabs) await tab.goto(urlOf('general'));
    await api('alice', 'POST', `/api/channels/${general.id}/messages`, { body: 'to every tab' });
    for (const tab of tabs) {
      await tab.locator('#messages article.msg', { hasText: 'to every tab' }).waitFor({ timeout: WAIT });
      assert.equal(await messagesIn(tab).filter({ hasText: 'to every tab' }).count(), 1);
    }
    // Whichever tab held the stream, closing the first five leaves one that takes over.
    for (const tab of tabs.slice(0, 5)) await tab.close();
    await api('alice', 'POST', `/api/channels/${general.id}/messages`, { body: 'after five closed' });
    for (const tab of tabs.slice(5)) {
      await tab.locator('#messages article.msg', { hasText: 'after five closed' }).waitFor({ timeout: WAIT });
    }
    await many.context.close();
  });

  await step('typing shows in the other tab and clears', async () => {
    await bob.page.type('#composer-text', 'thinking');
    await alice.page.locator('#typing', { hasText: 'bob is typing' }).waitFor({ timeout: WAIT });
    await bob.page.fill('#composer-text', '');
    await bob.page.dispatchEvent('#composer-text', 'input');
    await alice.page.locator('#typing:empty').waitFor({ timeout: WAIT });
  });

  /** The ids of the messages of `channelId` the api holds, oldest first, threads left out. */
  async function apiIds(channelId) {
    const page = await api('alice', 'GET', `/api/channels/${channelId}/messages?limit=200`);
    return page.messages.filter((m) => !m.parent_id).map((m) => `m-${m.id}`);
  }
  const pageIds = (page) => messagesIn(page).evaluateAll((all) => all.map((a) => a.id));

  /** Both pages show exactly the api's messages of #general, in its order, once each. */
  async function sameAsApi(bodies) {
    for (const page of [alice.page, bob.page]) {
      for (const body of bodies) {
        await page.locator('#messages article.msg', { hasText: body }).waitFor({ timeout: 40_000 });
      }
      const shown = await messagesIn(page).locator('.body').allInnerTexts();
      assert.deepEqual(shown.filter((b) => bodies.includes(b)), bodies, 'each missed message once, in order');
      assert.deepEqual(await pageIds(page), await apiIds(general.id), 'the page holds what the api holds');
    }
  }

  await step('web-sm is killed and restarted under both pages: what was missed arrives once, in order', async () => {
    const connection = (page) => page.locator('#connection');
    outage = true;
    await harness('KILL web-sm');
    for (const page of [alice.page, bob.page]) {
      await connection(page).filter({ hasText: 'reconnecting' }).waitFor({ timeout: 20_000 });
    }
    await shot(alice.page, 'reconnecting-desktop-light');
    const missed = ['missed while web-sm was down 1', 'missed while web-sm was down 2', 'missed while web-sm was down 3'];
    await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body: missed[0] });
    await api('alice', 'POST', `/api/channels/${general.id}/messages`, { body: missed[1] });
    await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body: missed[2] });
    // Long enough that the page's first retries are refused and it waits longer.
    await alice.page.waitForTimeout(4000);
    await harness('START web-sm');
    await sameAsApi(missed);
    outage = false;
    for (const page of [alice.page, bob.page]) {
      // "Reconnected." for a moment, then nothing.
      await page.waitForFunction(() => {
        const line = document.getElementById('connection');
        return line.dataset.state === 'live' && line.textContent === '';
      }, null, { timeout: WAIT });
    }
    // And the stream carries what comes next.
    await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body: 'after web-sm came back' });
    await sameAsApi(['after web-sm came back']);
  });

  await step('NATS is stopped and started under both pages: what was posted meanwhile arrives once, in order', async () => {
    await harness('KILL nats');
    const missed = ['posted while NATS was down 1', 'posted while NATS was down 2'];
    for (const body of missed) await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body });
    await alice.page.waitForTimeout(2000);
    await harness('START nats');
    await sameAsApi(missed);
    await api('alice', 'POST', `/api/channels/${general.id}/messages`, { body: 'after NATS came back' });
    await sameAsApi(['after NATS came back']);
  });

  await step('edit, reaction, thread reply and delete reach the other tab live', async () => {
    const posted = await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body: 'first version' });
    const article = alice.page.locator(`#m-${posted.id}`);
    await article.waitFor({ timeout: WAIT });
    await api('bob', 'PATCH', `/api/messages/${posted.id}`, { body: 'second version' });
    await article.locator('.body', { hasText: 'second version' }).waitFor({ timeout: WAIT });
    await article.locator('.edited').waitFor({ timeout: WAIT });
    await api('bob', 'PUT', `/api/messages/${posted.id}/reactions/${encodeURIComponent('👍')}`);
    await article.locator('.chip', { hasText: '1' }).waitFor({ timeout: WAIT });
    await api('alice', 'POST', `/api/channels/${general.id}/messages`, { body: 'a reply', parent_id: posted.id });
    await article.locator('.replies', { hasText: '1 reply' }).waitFor({ timeout: WAIT });
    assert.equal(await messagesIn(alice.page).filter({ hasText: 'a reply' }).count(), 0, 'replies stay in the thread');
    await api('bob', 'DELETE', `/api/messages/${posted.id}`);
    await article.locator('.tombstone').waitFor({ timeout: WAIT });
  });

  await step('alice edits with Up, reacts from the picker, and deletes with a confirmation', async () => {
    await alice.page.fill('#composer-text', 'a typo here');
    await alice.page.press('#composer-text', 'Enter');
    const posted = alice.page.locator('#messages article.msg.mine', { hasText: 'a typo here' });
    await posted.waitFor({ timeout: WAIT });
    const mine = alice.page.locator(`#${await posted.getAttribute('id')}`);
    await alice.page.press('#composer-text', 'ArrowUp');
    const box = mine.locator('.edit-box textarea');
    await box.waitFor({ timeout: WAIT });
    await alice.page.waitForFunction(() => document.querySelector('.edit-box textarea')?.value === 'a typo here');
    await box.fill('no typo here');
    await box.press('Enter');
    const seen = bob.page.locator(`#${await mine.getAttribute('id')}`);
    await seen.locator('.body', { hasText: 'no typo here' }).waitFor({ timeout: WAIT });
    await seen.locator('.edited').waitFor({ timeout: WAIT });
    await mine.hover();
    await mine.locator('[data-act=react]').click();
    await alice.page.locator('.picker button', { hasText: '🎉' }).click();
    await seen.locator('.chip', { hasText: '1' }).waitFor({ timeout: WAIT });
    await mine.locator('.chip.mine').waitFor({ timeout: WAIT });
    assert.equal(await seen.locator('.chip.mine').count(), 0, 'the reaction is alice\'s, not bob\'s');
    assert.equal(await seen.locator('[data-act=edit]').isVisible(), false, 'bob cannot edit alice\'s message');
    await mine.hover();
    await mine.locator('[data-act=delete]').click();
    await seen.locator('.tombstone').waitFor({ timeout: WAIT });
    await mine.locator('.tombstone').waitFor({ timeout: WAIT });
  });

  await step('a webhook posts a Slack attachment, and it appears live in the other tab as a card', async () => {
    const hook = await api('alice', 'POST', `/api/communities/${community.id}/webhooks`, {
      channel_id: general.id,
      name: 'Deploys',
      allow_overrides: true,
    });
    // Images from our own origin: the page's CSP lets a browser load no other.
    const icon = `${base}/static/icon.svg`;
    const delivered = await fetch(`${base}/hook/${hook.id}/${hook.token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        username: 'Release bot',
        icon_emoji: ':rocket:',
        text: 'Deployed *api* to production <script>window.__xss = 9</script>',
        attachments: [
          {
            color: '#2eb886',
            pretext: 'A new release is out',
            author_name: 'octocat',
            author_link: 'https://github.com/octocat',
            author_icon: icon,
            title: 'v1.4.0 <b>stable</b>',
            title_link: 'https://example.com/releases/v1.4.0',
            text: 'Fixes the _flaky_ login and adds `webhook` cards.',
            fields: [
              { title: 'Environment', value: 'production', short: true },
              { title: 'Duration', value: '2m 14s', short: true },
              { title: 'Changes', value: '12 commits by 3 people, see <https://example.com/compare|the diff>', short: false },
            ],
            thumb_url: icon,
            footer: 'GitHub Actions',
            footer_icon: icon,
            ts: Math.floor(Date.now() / 1000),
          },
          { color: '#d40e0d', title: 'Smoke tests failed on eu-west', text: 'The canary is rolled back.' },
        ],
      }),
    });
    assert.equal(delivered.status, 200, await delivered.text());
    for (const page of [bob.page, alice.page]) {
      const article = page.locator('#messages article.msg', { has: page.locator('section.card', { hasText: 'v1.4.0' }) });
      await article.waitFor({ timeout: WAIT });
      const card = article.locator('section.card').first();
      assert.equal(await article.locator('.author').innerText(), 'Release bot');
      assert.equal(await article.locator('.bot-tag').innerText(), 'BOT');
      assert.match(await article.locator('.via').innerText(), /^via /);
      assert.equal(await article.locator('.avatar').innerText(), '🚀');
      assert.match(await article.locator('.body > p').first().innerText(), /^Deployed api to production/);
      assert.equal(await card.locator('.card-title').innerText(), 'v1.4.0 <b>stable</b>');
      assert.equal(await card.locator('.card-title a').getAttribute('href'), 'https://example.com/releases/v1.4.0');
      assert.equal(await card.locator('.card-field.short').count(), 2);
      assert.equal(await card.locator('.card-field:not(.short) dd a').getAttribute('href'), 'https://example.com/compare');
      const bar = (locator) => locator.evaluate((el) => getComputedStyle(el).borderLeftColor);
      assert.equal(await bar(card.locator('.card-box')), 'rgb(46, 184, 134)');
      assert.equal(await bar(article.locator('section.card .card-box').nth(1)), 'rgb(212, 14, 13)');
      await card.locator('.card-footer time').waitFor();
      await card.locator('img.card-thumb').scrollIntoViewIfNeeded();
      const thumb = `#${await article.getAttribute('id')} img.card-thumb`;
      await page.waitForFunction((sel) => document.querySelector(sel)?.naturalWidth > 0, thumb, { timeout: WAIT });
      assert.equal(await page.evaluate(() => window.__xss), undefined);
    }
    await bob.page.locator('#messages article.msg section.card').last().scrollIntoViewIfNeeded();
    await bob.page.mouse.move(0, 0);
    await bob.page.waitForTimeout(1300); // the new message's highlight fades
    for (const scheme of ['light', 'dark']) {
      await bob.page.emulateMedia({ colorScheme: scheme });
      await shot(bob.page, `card-desktop-${scheme}`);
    }
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await bob.page.waitForTimeout(300); // the sidebar's slide
    await bob.page.mouse.move(0, 0);
    await bob.page.locator('#messages article.msg section.card').first().scrollIntoViewIfNeeded();
    await shot(bob.page, 'card-phone-dark');
    await bob.page.setViewportSize({ width: 1280, height: 800 });
    await bob.page.emulateMedia({ colorScheme: 'light' });
  });

  await step('alice attaches an image and a text file, sends them with a caption, and bob gets both live', async () => {
    const page = alice.page;
    await page.goto(urlOf('general'));
    await bob.page.goto(urlOf('general'));
    await page.waitForSelector('#composer-text');
    const attach = page.locator('#attach');
    assert.ok(await attach.isVisible(), 'the paperclip shows');
    assert.equal(await attach.getAttribute('aria-label'), 'Attach files');
    // The paperclip is reached from the text box with Shift+Tab, and opens the file picker.
    // (Waited for from here: playwright intercepts the picker only once it has been told to.)
    const choosing = page.waitForEvent('filechooser', { timeout: WAIT });
    await page.focus('#composer-text');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'attach', 'the paperclip is reached from the keyboard');
    await page.keyboard.press('Enter');
    const chooser = await choosing;
    assert.ok(chooser.isMultiple(), 'several files can be chosen at once');
    const log = Buffer.from('build started\nall 412 tests passed\nbuild finished in 2m 14s\n');
    await chooser.setFiles([{ name: 'build.log', mimeType: 'text/plain', buffer: log }]);
    const chips = page.locator('#uploads .upload');
    await page.locator('#uploads .upload.done').waitFor({ timeout: WAIT });
    assert.equal(await chips.nth(0).locator('.upload-status').innerText(), `${log.length} B`);
    assert.equal(await chips.nth(0).locator('.upload-remove').getAttribute('aria-label'), 'Remove build.log');
    // The picture goes up over a slow line, so that its progress shows and the send
    // below has to wait for it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 16 * 1024 });
    const image = png(240, 160);
    await page.setInputFiles('#composer-files', [{ name: 'gradient.png', mimeType: 'image/png', buffer: image }]);
    assert.equal(await chips.count(), 2);
    assert.deepEqual(await chips.locator('.upload-name').allInnerTexts(), ['build.log', 'gradient.png']);
    await chips.nth(1).locator('.upload-preview canvas').waitFor({ timeout: WAIT });
    await page.waitForFunction(() => document.querySelector('#uploads .upload.uploading progress')?.value > 0, null, { timeout: WAIT });
    await page.fill('#composer-text', 'the **build** and its picture');
    await page.mouse.move(0, 0);
    await shot(page, 'files-composer-desktop-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300); // the sidebar's slide
    await shot(page, 'files-composer-phone-dark');
    const axe = await new AxeBuilder({ page }).include('#composer').analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`), [], 'axe (the composer with files)');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    // Enter while the picture is still going up: the message leaves once it is up.
    assert.equal(await chips.filter({ hasText: 'gradient.png' }).locator('.upload-status').innerText(), humanSize(image.length));
    assert.equal(await page.locator('#uploads .upload.uploading').count(), 1, 'the picture is still uploading');
    await page.press('#composer-text', 'Enter');
    assert.equal(await page.locator('#composer.sending').count(), 1, 'the send waits for the upload');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await cdp.detach();

    const sent = (p) => p.locator('#messages article.msg', { hasText: 'the build and its picture' });
    await sent(bob.page).waitFor({ timeout: 30_000 });
    await sent(page).waitFor({ timeout: WAIT });
    assert.equal(await page.inputValue('#composer-text'), '', 'the composer clears');
    assert.equal(await chips.count(), 0, 'the chips clear after the send');
    assert.equal(await page.locator('#uploads').isVisible(), false);
    assert.equal(await messagesIn(bob.page).filter({ hasText: 'the build and its picture' }).count(), 1, 'once');
    const article = sent(bob.page);
    const id = await article.getAttribute('id');
    const thumb = article.locator('.file-image img');
    assert.equal(await thumb.getAttribute('alt'), 'gradient.png');
    await thumb.scrollIntoViewIfNeeded();
    await bob.page.waitForFunction((sel) => document.querySelector(sel)?.naturalWidth > 0, `#${id} .file-image img`, { timeout: WAIT });
    const card = article.locator('a.file-card');
    assert.equal(await card.locator('.file-name').innerText(), 'build.log');
    assert.match(await card.locator('.file-size').innerText(), /^\d+ B · text\/plain/);
    // The card's link downloads the very bytes, through the gateway, with bob's cookie.
    const [download] = await Promise.all([bob.page.waitForEvent('download', { timeout: WAIT }), card.click()]);
    assert.equal(download.suggestedFilename(), 'build.log');
    assert.deepEqual(readFileSync(await download.path()), log, 'the download is the file alice attached');
    // And the image opens full size: the same bytes as uploaded.
    const full = await bob.page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, bytes: [...new Uint8Array(await r.arrayBuffer())] };
    }, await article.locator('a.file-image').getAttribute('href'));
    assert.equal(full.status, 200);
    assert.deepEqual(Buffer.from(full.bytes), image, 'the full-size image is the one alice attached');
    await bob.page.evaluate(() => document.activeElement?.blur());
    await bob.page.mouse.move(0, 0);
    await bob.page.waitForTimeout(1300); // the new message's highlight fades
    await shot(bob.page, 'files-message-desktop-light');
    await bob.page.emulateMedia({ colorScheme: 'dark' });
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await bob.page.waitForTimeout(300);
    await article.scrollIntoViewIfNeeded();
    await shot(bob.page, 'files-message-phone-dark');
    await bob.page.setViewportSize({ width: 1280, height: 800 });
    await bob.page.emulateMedia({ colorScheme: 'light' });
  });

  await step('a file too large or empty is refused with a sentence, the text stays, and the failed chips are removed', async () => {
    const page = alice.page;
    const uploadsSent = [];
    const count = (r) => {
      if (r.url().endsWith('/attachments')) uploadsSent.push(r.url());
    };
    page.on('request', count);
    await page.fill('#composer-text', 'here is the whole dump');
    // The stack runs with AJET_MAX_UPLOAD_MB=1, which web-sm passes to the page: a larger
    // file is refused at once, in the api's words, without being sent.
    await page.setInputFiles('#composer-files', [{ name: 'dump.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(2 * 1024 * 1024, 7) }]);
    const tooLarge = page.locator('#uploads .upload.failed', { hasText: 'dump.bin' });
    await tooLarge.waitFor({ timeout: WAIT });
    const error = page.locator('#composer-error');
    await error.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await error.innerText(), 'dump.bin was not uploaded: the upload is larger than this server accepts (1 MiB at most)');
    assert.equal(await tooLarge.locator('.upload-status').innerText(), 'Not uploaded');
    assert.deepEqual(uploadsSent, [], 'a file over the limit is not sent');
    // One the api refuses: its own sentence.
    expectUploadRefusal = true;
    await page.setInputFiles('#composer-files', [{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
    const empty = page.locator('#uploads .upload.failed', { hasText: 'empty.txt' });
    await empty.waitFor({ timeout: WAIT });
    assert.equal(uploadsSent.length, 1);
    assert.equal(await error.innerText(), 'empty.txt was not uploaded: empty.txt is empty: there is nothing to upload');
    assert.equal(await page.inputValue('#composer-text'), 'here is the whole dump', 'the text is kept');
    await page.mouse.move(0, 0);
    await shot(page, 'files-too-large-desktop-light');
    // Sending now says why not, and sends nothing.
    await page.press('#composer-text', 'Enter');
    assert.equal(await error.innerText(), 'Not sent: dump.bin was not uploaded: the upload is larger than this server accepts (1 MiB at most). Remove it to send the rest.');
    assert.equal(await page.inputValue('#composer-text'), 'here is the whole dump');
    // Removing the failed files takes the error away; the text still sends.
    await tooLarge.locator('.upload-remove').click();
    assert.equal(await error.isVisible(), true, 'one failed file is left');
    await empty.locator('.upload-remove').click();
    assert.equal(await page.locator('#uploads .upload').count(), 0);
    assert.equal(await error.isVisible(), false);
    page.off('request', count);
    await page.press('#composer-text', 'Enter');
    const sent = bob.page.locator('#messages article.msg', { hasText: 'here is the whole dump' });
    await sent.waitFor({ timeout: WAIT });
    assert.equal(await sent.locator('.files').count(), 0);
  });

  await step('pasting an image and dropping a file on the channel attach them too, and chips are removed from the keyboard', async () => {
    const page = alice.page;
    await page.fill('#composer-text', 'pasted and dropped');
    await page.evaluate((bytes) => {
      const paste = new DataTransfer();
      paste.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      document.getElementById('composer-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }));
    }, [...png(32, 32)]);
    await page.locator('#uploads .upload.done', { hasText: 'image.png' }).waitFor({ timeout: WAIT });
    assert.equal(await page.inputValue('#composer-text'), 'pasted and dropped', 'pasting a file leaves the text alone');
    const drop = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['dropped notes\n'], 'dropped.txt', { type: 'text/plain' }));
      return data;
    });
    await page.dispatchEvent('#scroller', 'dragenter', { dataTransfer: drop });
    assert.equal(await page.locator('main.dropping').count(), 1, 'the channel says where a drop goes');
    await page.dispatchEvent('#scroller', 'drop', { dataTransfer: drop });
    assert.equal(await page.locator('main.dropping').count(), 0);
    await page.locator('#uploads .upload.done', { hasText: 'dropped.txt' }).waitFor({ timeout: WAIT });
    // Both go from the keyboard: the focus moves on to the next chip, then to the text.
    await page.focus('#uploads .upload-remove');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Remove dropped.txt');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-text');
    assert.equal(await page.locator('#uploads').isVisible(), false);
    await page.fill('#composer-text', '');
  });

  await step('a thread opens beside its message, and replies arrive live in it and as a count', async () => {
    const root = await api('bob', 'POST', `/api/channels/${general.id}/messages`, { body: 'start a thread here' });
    const rootInAlice = alice.page.locator(`#m-${root.id}`);
    await rootInAlice.waitFor({ timeout: WAIT });
    await bob.page.goto(`${urlOf('general')}/t/${root.id}`);
    await bob.page.waitForSelector('#composer-text');
    assert.match(await bob.page.locator('.thread-parent').innerText(), /start a thread here/);
    await rootInAlice.hover();
    await rootInAlice.locator('[data-act=reply]').click();
    await alice.page.waitForURL(`**/t/${root.id}`);
    // The thread's composer takes files like the channel's.
    await alice.page.setInputFiles('#composer-files', [{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('thread notes\n') }]);
    await alice.page.locator('#uploads .upload.done').waitFor({ timeout: WAIT });
    await alice.page.fill('#composer-text', 'first reply');
    await alice.page.press('#composer-text', 'Enter');
    await bob.page.locator('#messages article.msg', { hasText: 'first reply' }).waitFor({ timeout: WAIT });
    await bob.page.locator('#messages article.msg', { hasText: 'first reply' }).locator('a.file-card', { hasText: 'notes.txt' }).waitFor({ timeout: WAIT });
    await alice.page.locator('#messages article.msg', { hasText: 'first reply' }).waitFor({ timeout: WAIT });
    assert.equal(await messagesIn(bob.page).filter({ hasText: 'first reply' }).count(), 1);
    await shot(bob.page, 'thread-desktop-light');
    await alice.page.goto(urlOf('general'));
    const count = alice.page.locator(`#m-${root.id} a.replies`);
    assert.equal(await count.locator('.reply-count').innerText(), '1 reply');
    // The latest repliers' faces beside the count.
    assert.deepEqual(await count.locator('.replier').evaluateAll((faces) => faces.map((f) => f.title)), ['alice']);
    await count.click();
    await alice.page.waitForURL(`**/t/${root.id}`);
    await bob.page.goto(urlOf('general'));
    await alice.page.goto(urlOf('general'));
  });

  await step('a message in another channel raises its unread badge, and viewing it clears it', async () => {
    await api('bob', 'POST', `/api/channels/${random.id}/messages`, { body: 'over here' });
    const badge = alice.page.locator(`#side-${random.id} .unread-badge`);
    await badge.waitFor({ state: 'visible', timeout: WAIT });
    assert.equal(await badge.innerText(), '1');
    await alice.page.click(`#side-${random.id}`);
    await alice.page.locator('#messages article.msg', { hasText: 'over here' }).waitFor({ timeout: WAIT });
    await alice.page.goto(urlOf('general'));
    assert.equal(await alice.page.locator(`#side-${random.id} .unread-badge`).isVisible(), false);
  });

  await step('channels are browsed, created and joined, and a DM is started, from the sidebar', async () => {
    await alice.page.goto(urlOf('general'));
    await alice.page.locator('a.side-action', { hasText: 'Browse or create channels' }).click();
    await alice.page.waitForURL(`**/browse/${community.slug}`);
    await alice.page.fill('#new-name', 'planning');
    await alice.page.fill('#new-topic', 'what comes next');
    await alice.page.locator('button', { hasText: 'Create channel' }).click();
    await alice.page.waitForURL(`**/c/${community.slug}/planning`);
    await alice.page.locator('#topic', { hasText: 'what comes next' }).waitFor({ timeout: WAIT });
    // The same name again is refused with the api's sentence, and the form keeps the text.
    await alice.page.goto(`${base}/browse/${community.slug}`);
    await alice.page.fill('#new-name', 'planning');
    await alice.page.locator('button', { hasText: 'Create channel' }).click();
    await alice.page.locator('.composer-error', { hasText: 'Not created' }).waitFor({ timeout: WAIT });
    assert.equal(await alice.page.inputValue('#new-name'), 'planning');
    await bob.page.goto(`${base}/browse/${community.slug}`);
    await shot(bob.page, 'browse-desktop-light');
    await bob.page.click('button[aria-label="Join #planning"]');
    await bob.page.waitForURL(`**/c/${community.slug}/planning`);
    await bob.page.locator('.side-link.current', { hasText: 'planning' }).waitFor({ timeout: WAIT });
    await alice.page.locator('a.side-action', { hasText: 'New message' }).click();
    await alice.page.waitForURL('**/dm/new');
    await alice.page.fill('#dm-users', '@bob');
    await alice.page.locator('button', { hasText: 'Start' }).click();
    await alice.page.waitForURL(/\/dm\/[0-9a-f-]+$/);
    await alice.page.waitForSelector('#composer-text');
    assert.match(await alice.page.locator('.channel-head h1').innerText(), /bob/);
    await alice.page.goto(urlOf('general'));
    await bob.page.goto(urlOf('general'));
  });

  await step('a DM shows whether the other person is online, and away counts as not', async () => {
    const dm = await api('bob', 'POST', '/api/dms', { usernames: ['alice'] });
    await api('bob', 'POST', `/api/channels/${dm.id}/messages`, { body: 'are you there?' });
    await api('bob', 'POST', '/api/heartbeat');
    await alice.page.goto(urlOf('general'));
    const link = alice.page.locator(`#side-${dm.id}`);
    await alice.page.waitForFunction((id) => document.getElementById(`side-${id}`)?.dataset.online === 'true', dm.id, { timeout: WAIT });
    assert.equal(await link.locator('.presence.online').count(), 1);
    await api('bob', 'PUT', '/api/me/away', { away: true });
    await alice.page.goto(urlOf('general'));
    await alice.page.waitForFunction((id) => document.getElementById(`side-${id}`)?.dataset.online === 'false', dm.id, { timeout: WAIT });
    await api('bob', 'PUT', '/api/me/away', { away: false });
  });

  await step('scrolling up goes through 500 messages with no gap or repeat', async () => {
    for (let i = 1; i <= 500; i += 1) {
      await api('bob', 'POST', `/api/channels/${history.id}/messages`, { body: `history ${i}` });
    }
    await alice.page.goto(urlOf('history'));
    await alice.page.locator('#messages article.msg', { hasText: 'history 500' }).waitFor({ timeout: WAIT });
    for (let round = 0; round < 20 && (await alice.page.locator('#older').count()) > 0; round += 1) {
      const before = await messagesIn(alice.page).count();
      await alice.page.locator('#scroller').evaluate((el) => {
        el.scrollTop = 0;
      });
      await alice.page.waitForFunction((n) => document.querySelectorAll('#messages article.msg').length > n, before, { timeout: WAIT });
    }
    const bodies = await messagesIn(alice.page).locator('.body').allInnerTexts();
    assert.deepEqual(bodies, Array.from({ length: 500 }, (_, i) => `history ${i + 1}`));
  });

  await step('a permalink opens the history around its message, highlighted', async () => {
    const page = await api('bob', 'GET', `/api/channels/${history.id}/messages?limit=200`);
    const target = page.messages.find((m) => m.body === 'history 460');
    await alice.page.goto(`${urlOf('history')}/m/${target.id}`);
    const focused = alice.page.locator(`#m-${target.id}.focused`);
    await focused.waitFor({ timeout: WAIT });
    assert.ok(await focused.isVisible(), 'the message is in view');
    const bodies = await messagesIn(alice.page).locator('.body').allInnerTexts();
    assert.deepEqual(bodies, Array.from({ length: 51 }, (_, i) => `history ${i + 435}`), '25 on each side');
    await shot(alice.page, 'permalink-desktop-light');
    // Not the newest page: live messages wait behind "Jump to the latest messages".
    await api('bob', 'POST', `/api/channels/${history.id}/messages`, { body: 'the newest' });
    await alice.page.click('#newer');
    await alice.page.locator('#messages article.msg', { hasText: 'the newest' }).waitFor({ timeout: WAIT });
    const missing = await api('bob', 'GET', `/api/channels/${history.id}/messages?limit=1`);
    const response = await alice.page.goto(`${urlOf('general')}/m/${missing.messages[0].id}`);
    assert.equal(response.status(), 404, 'a message of another channel is not found here');
  });

  await step('"mark unread" puts the line back, and a button jumps to it', async () => {
    await alice.page.goto(urlOf('history'));
    // All of the history on the page first, so that no older page loads while clicking.
    for (let round = 0; round < 20 && (await alice.page.locator('#older').count()) > 0; round += 1) {
      const before = await messagesIn(alice.page).count();
      await alice.page.locator('#scroller').evaluate((el) => {
        el.scrollTop = 0;
      });
      await alice.page.waitForFunction((n) => document.querySelectorAll('#messages article.msg').length > n, before, { timeout: WAIT });
    }
    const from = messagesIn(alice.page).filter({ has: alice.page.getByText('history 470', { exact: true }) });
    await from.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await from.hover();
    await from.locator('[data-act=unread]').click();
    const afterLine = alice.page.locator('#new-line + article.msg').getByText('history 470', { exact: true });
    await afterLine.waitFor({ timeout: WAIT });
    await alice.page.reload();
    await afterLine.waitFor({ timeout: WAIT });
    await alice.page.locator('#scroller').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const jump = alice.page.locator('#jump-unread');
    await jump.waitFor({ state: 'visible', timeout: WAIT });
    await shot(alice.page, 'jump-unread-desktop-light');
    await jump.click();
    await alice.page.waitForFunction(() => {
      const line = document.getElementById('new-line').getBoundingClientRect();
      const box = document.getElementById('scroller').getBoundingClientRect();
      return line.top >= box.top && line.bottom <= box.bottom;
    }, null, { timeout: WAIT });
    await jump.waitFor({ state: 'hidden', timeout: WAIT });
  });

  await step('message bodies and topics carrying injection strings render inert', async () => {
    const corpus = [
      '<script>window.__xss = 1</script>',
      '<img src=x onerror="window.__xss = 2">',
      '[click](javascript:window.__xss=3)',
      '<svg onload="window.__xss = 4"><circle r=5></svg>',
      '<a href="javascript:window.__xss=5">x</a>',
      '"><img src=x onerror=window.__xss=6>',
      '<iframe src="javascript:window.__xss=7"></iframe>',
      '<div style="background:url(javascript:window.__xss=8)">broken <b>markup',
    ];
    const target = await channel('xss', corpus[1]);
    for (const body of corpus) await api('bob', 'POST', `/api/channels/${target.id}/messages`, { body });
    await alice.page.goto(urlOf('xss'));
    await alice.page.locator('#messages article.msg').nth(corpus.length - 1).waitFor({ timeout: WAIT });
    for (const body of corpus) await api('bob', 'POST', `/api/channels/${target.id}/messages`, { body: `live ${body}` });
    await alice.page.locator('#messages article.msg').nth(2 * corpus.length - 1).waitFor({ timeout: WAIT });
    await alice.page.waitForTimeout(300);
    assert.equal(await alice.page.evaluate(() => window.__xss), undefined, 'no injected script ran');
    assert.equal(await alice.page.locator('#messages script, #messages iframe, #messages svg, #messages img').count(), 0);
    assert.equal(await alice.page.locator('#messages [onerror], #messages [onload], #messages a[href^="javascript"]').count(), 0);
    assert.match(await alice.page.locator('.topic').innerText(), /<img src=x onerror/);
  });

  await step('a channel that does not exist and one that is not yours get the same 404 page', async () => {
    const missing = await alice.page.goto(`${base}/c/${community.slug}/no-such-channel`);
    assert.equal(missing.status(), 404);
    const missingText = await alice.page.locator('main').innerText();
    const secret = await api('bob', 'POST', `/api/communities/${community.id}/channels`, { name: 'secret', visibility: 'private' });
    const hidden = await alice.page.goto(`${base}/c/${community.slug}/${secret.name}`);
    assert.equal(hidden.status(), 404);
    assert.equal(await alice.page.locator('main').innerText(), missingText);
  });

  await step('without JavaScript the history reads and a plain form post lands', async () => {
    const plain = await person('alice', { javaScriptEnabled: false });
    await plain.page.goto(urlOf('general'));
    assert.ok((await messagesIn(plain.page).filter({ hasText: 'hello bob' }).count()) === 1);
    await plain.page.fill('#composer-text', 'sent without javascript');
    await Promise.all([plain.page.waitForNavigation(), plain.page.click('#composer button[type=submit]')]);
    assert.equal(await messagesIn(plain.page).filter({ hasText: 'sent without javascript' }).count(), 1);
    await bob.page.locator('#messages article.msg', { hasText: 'sent without javascript' }).waitFor({ timeout: WAIT });
    await plain.context.close();
  });

  await step('the switcher lists both communities of a person in two, and reaches the other from the keyboard', async () => {
    const second = await api('alice', 'POST', '/api/communities', { name: 'Second Team' });
    const invite = await api('alice', 'POST', `/api/communities/${second.id}/invites`, {});
    await api('bob', 'POST', `/api/invites/${invite.code}/accept`);
    const secondGeneral = (await api('bob', 'GET', '/api/channels')).channels
      .find((c) => c.community_id === second.id && c.name === 'general');
    await bob.page.goto(urlOf('general'));
    const page = bob.page;
    assert.deepEqual(await page.locator('.switcher .switch-link .name').allInnerTexts(), [community.name, 'Second Team']);
    const here = page.locator(`#switch-${community.id}`);
    const there = page.locator(`#switch-${second.id}`);
    assert.equal(await here.getAttribute('aria-current'), 'true');
    assert.equal(await there.getAttribute('aria-current'), null);
    assert.equal(await page.locator(`#side-${secondGeneral.id}`).count(), 0, 'only the current community\'s channels');
    // A message in the other community marks it unread, live, and counts the mention.
    await api('alice', 'POST', `/api/channels/${secondGeneral.id}/messages`, { body: 'over in the second team, @bob' });
    await there.locator('.unread-dot').waitFor({ state: 'visible', timeout: WAIT });
    await there.locator('.mention-badge', { hasText: '1' }).waitFor({ timeout: WAIT });
    await shot(page, 'switcher-desktop-light');
    // Tab reaches the switcher; Enter goes to the community's default channel.
    await page.evaluate(() => document.activeElement?.blur());
    for (let i = 0; i < 10; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((id) => document.activeElement?.id === id, `switch-${second.id}`)) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), `switch-${second.id}`, 'the switcher is reached with Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/c/${second.slug}/general`);
    await page.locator('#messages article.msg', { hasText: 'over in the second team' }).waitFor({ timeout: WAIT });
    assert.equal(await there.getAttribute('aria-current'), 'true');
    assert.equal(await there.locator('.unread-dot').isVisible(), false);
    await page.locator(`#side-${secondGeneral.id}.current`).waitFor({ timeout: WAIT });
    assert.equal(await page.locator(`#side-${general.id}`).count(), 0);
    // The community is remembered: / and a DM keep to it.
    await page.goto(base);
    await page.waitForURL(`**/c/${second.slug}/general`);
    await page.goto(`${base}/dm/new`);
    assert.equal(await page.locator(`#switch-${second.id}`).getAttribute('aria-current'), 'true');
    await page.click(`#switch-${community.id}`);
    await page.waitForURL(urlOf('general'));
    await page.goto(base);
    await page.waitForURL(urlOf('general'));
    // A community one is not in is not found.
    const response = await page.goto(`${base}/c/no-such-community`);
    assert.equal(response.status(), 404);
    await page.goto(urlOf('general'));
  });

  await step('the sign-in and sign-up pages look like the app, and a refusal is plain', async () => {
    // alice owns the second community now: the first run is over.
    await gatewayPages(false);
  });

  await step('screenshots: light and dark, desktop and phone', async () => {
    await alice.page.goto(urlOf('general'));
    await alice.page.waitForSelector('#composer-text');
    for (const scheme of ['light', 'dark']) {
      await alice.page.emulateMedia({ colorScheme: scheme });
      await alice.page.setViewportSize({ width: 1280, height: 800 });
      await shot(alice.page, `channel-desktop-${scheme}`);
      await alice.page.setViewportSize({ width: 390, height: 844 });
      await alice.page.waitForTimeout(300); // the sidebar's slide
      await shot(alice.page, `channel-phone-${scheme}`);
      await alice.page.click('.nav-button');
      await alice.page.waitForTimeout(300);
      assert.ok(await alice.page.locator(`#side-${general.id}`).isVisible(), 'the sidebar opens on a phone');
      await shot(alice.page, `sidebar-phone-${scheme}`);
      await alice.page.click('.nav-button');
      await alice.page.waitForTimeout(300);
    }
    await alice.page.setViewportSize({ width: 1280, height: 800 });
    await alice.page.emulateMedia({ colorScheme: 'light' });
    await alice.page.goto(`${base}/c/${community.slug}/no-such-channel`);
    await shot(alice.page, 'not-found');
  });

  await step('accessibility: no serious or critical violations on the channel and browse pages', async () => {
    for (const [scheme, path] of [['light', urlOf('general')], ['dark', urlOf('general')], ['light', `${base}/browse/${community.slug}`], ['dark', '/dm/new']]) {
      await alice.page.emulateMedia({ colorScheme: scheme });
      await alice.page.goto(path.startsWith('/') ? `${base}${path}` : path);
      await alice.page.waitForSelector('main');
      const result = await new AxeBuilder({ page: alice.page }).analyze();
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(
        bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`),
        [],
        `axe (${scheme})`,
      );
    }
  });

  assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  console.log('all browser checks passed');
} finally {
  await browser.close();
  // Stop reading the harness's stdin, or it would keep node running.
  await harnessLines?.return?.();
  process.stdin.destroy();
}
