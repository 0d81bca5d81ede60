// Lessons 5-8 (PBFT, Raft, Byzantine generals, double spends) walked as a learner in
// both languages: every waiting step is completed by acting in the live widget, Back
// is used, real values are checked, and every step is screenshotted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const WORDS = {
  en: { next: /^(Next|Continue) →$/, back: /Back$/, finish: /Finish|Done|✓/ },
  zh: { next: /^(下一步|继续) →$/, back: /上一步$/, finish: /完成|✓/ },
};

/// Waits for the step's Next/Continue button (it appears only once a wait is done).
async function next(page, lang, timeout = 30_000) {
  const button = page.getByRole('button', { name: WORDS[lang].next });
  await button.waitFor({ timeout });
  await button.click();
}

async function stepShot(page, lesson, lang, n) {
  await page.waitForURL(new RegExp(`/lesson/${lesson}(/${n})?$`));
  await screenshot(page, `lessons-consensus-${lesson}-${lang}-${n}`);
}

/// Moves a range input the way a learner's drag does (Playwright cannot fill ranges).
async function setRange(locator, value) {
  await locator.evaluate((el, v) => {
    el.value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, String(value));
}

async function back(page, lang, lesson, to) {
  await page.getByRole('button', { name: WORDS[lang].back }).click();
  await page.waitForURL(new RegExp(`/lesson/${lesson}/${to}$`));
}

for (const lang of ['en', 'zh']) {
  test(`double spends (${lang}): races, the whitepaper value and the 51% attack`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/double-spend/1`);
    await stepShot(page, 'double-spend', lang, 1);
    await next(page, lang);

    const readout = page.getByTestId('race-readout');
    await page.getByTestId('race-run').click();
    await next(page, lang);
    await back(page, lang, 'double-spend', 2);
    await page.getByTestId('race-run').click();
    await page.waitForFunction(() => document.querySelectorAll('.race .simulated').length === 13);
    assert.match(await readout.textContent(), /z = 6: .* P = 0\.1\d+/);
    assert.equal(await page.getByTestId('race-walks').locator('li').count(), 4);
    await stepShot(page, 'double-spend', lang, 2);
    await next(page, lang);

    assert.match(await readout.textContent(), /q = 0\.10, z = 5: .* P = 0\.0009137/);
    await stepShot(page, 'double-spend', lang, 3);
    await next(page, lang);

    await page.getByTestId('race-run').click();
    await page.waitForFunction(() => document.querySelectorAll('.race .simulated').length === 13);
    assert.match(await readout.textContent(), /P = 1\.0000000/);
    assert.equal(await page.locator('.race-majority').count(), 1);
    const walks = await page.getByTestId('race-walks').locator('li').allTextContents();
    assert.ok(walks.every((w) => w.startsWith('★')), walks.join('\n'));
    await stepShot(page, 'double-spend', lang, 4);
    await next(page, lang);
    await stepShot(page, 'double-spend', lang, 5);
    await next(page, lang);
    await stepShot(page, 'double-spend', lang, 6);
    assert.deepEqual(page.problems, []);
  });

  test(`Byzantine generals (${lang}): trees, the n = 3 impossibility and signatures`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/generals/1`);
    assert.match(await page.getByTestId('ic1').textContent(), /^✓ IC1/);
    assert.match(await page.getByTestId('ic2').textContent(), /^✓ IC2/);
    assert.equal(await page.getByTestId('tree-1').count(), 1);
    await stepShot(page, 'generals', lang, 1);
    await next(page, lang);
    assert.match(await page.getByTestId('ic1').textContent(), /^✓ IC1/);
    await stepShot(page, 'generals', lang, 2);
    await next(page, lang);

    assert.equal(await page.getByRole('button', { name: WORDS[lang].next }).count(), 0, 'waits for a violation');
    await page.getByTestId('traitor-2').check();
    assert.match(await page.getByTestId('ic2').textContent(), /^✗ IC2/);
    await setRange(page.getByTestId('generals-levels'), 2);
    assert.equal(await page.getByTestId('majority').count(), 2, 'each lieutenant takes one majority');
    assert.match(await page.getByTestId('decision-1').textContent(), lang === 'en' ? /retreat/ : /撤退/);
    await stepShot(page, 'generals', lang, 3);
    await next(page, lang);

    await setRange(page.getByTestId('generals-levels'), 3);
    assert.ok(await page.getByTestId('majority').count() >= 6 * 6, 'two levels of majorities per lieutenant');
    assert.match(await page.getByTestId('ic1').textContent(), /^✓ IC1/);
    await stepShot(page, 'generals', lang, 4);
    await back(page, lang, 'generals', 3);
    await next(page, lang);
    await next(page, lang);

    assert.match(await page.getByTestId('ic2').textContent(), /^✓ IC2/);
    const table = await page.getByTestId('sm-messages').textContent();
    assert.match(table, /:0:2/);
    assert.match(table, /✗/);
    await stepShot(page, 'generals', lang, 5);
    await next(page, lang);
    await stepShot(page, 'generals', lang, 6);
    assert.deepEqual(page.problems, []);
  });

  test(`Raft elections (${lang}): election, client requests, crash, partition and heal`, async () => {
    const page = await openPage(browser);
    const status = () => page.getByTestId('raft-status').textContent();
    const request = () => page.getByTestId('raft-request').textContent();
    const fast = async () => page.locator('.raft select').selectOption('2');
    const committedRequests = () => page.locator('.raft-logs td.request.committed').count();
    const logs = () => page.getByTestId('raft-logs').textContent();
    /// Plays until a leader exists and every follower has heard from it, then pauses.
    const settle = async () => {
      await fast();
      await page.getByTestId('raft-play').click();
      await page.waitForFunction(() => document.querySelector('.raft-server.leader') !== null);
      // Simulated time moves only on the page's ticks: wait for a round of heartbeats
      // to be delivered (events on the timeline), not for wall-clock time.
      const at = Number(await page.getByTestId('raft-timeline').inputValue());
      await page.waitForFunction(
        (at) => Number(document.querySelector('[data-testid="raft-timeline"]').value) >= at + 20,
        at,
      );
      await page.getByTestId('raft-play').click();
    };
    await page.goto(`${BASE}/${lang}/lesson/raft/1`);
    await stepShot(page, 'raft', lang, 1);
    await page.getByTestId('raft-play').click();
    await next(page, lang);
    await back(page, lang, 'raft', 1);
    await page.getByTestId('raft-play').click();
    await page.waitForFunction(() => document.querySelector('.raft-server.leader') !== null);
    assert.match(await status(), lang === 'en' ? /Leader: server \d in term \d+/ : /领导者：服务器 \d，任期 \d+/);
    await page.getByTestId('raft-play').click();
    const position = await page.getByTestId('raft-timeline').inputValue();
    await page.getByTestId('raft').press('ArrowLeft');
    assert.equal(Number(await page.getByTestId('raft-timeline').inputValue()), Number(position) - 1);
    await stepShot(page, 'raft', lang, '1');
    await next(page, lang);

    // Step 2: the learner is the client. Nothing is sent on its own.
    assert.match(await request(), lang === 'en' ? /No client request yet/ : /还没有客户端请求/);
    assert.match(await page.getByTestId('raft-keys').textContent(), /C.*(client request|客户端请求)/);
    await settle();
    assert.equal(await page.locator('.raft-logs td.request').count(), 0);
    // The button sends C1 to server 0; the C key (with the cluster focused) sends C2 to server 1.
    await page.getByTestId('raft-request-button').click();
    assert.match(await request(), /C1/);
    await page.getByTestId('raft').press('c');
    assert.match(await request(), /C2/);
    await page.getByTestId('raft-play').click();
    await page.waitForFunction(() => document.querySelectorAll('.raft-logs td.request.committed').length === 10);
    await page.getByTestId('raft-play').click();
    assert.match(await request(), lang === 'en' ? /✓ Request C2 is committed as entry \d+/ : /✓ 请求 C2 已作为第 \d+ 条提交/);
    // Back and forward again replay the requests exactly.
    const before = await logs();
    const at = Number(await page.getByTestId('raft-timeline').inputValue());
    await setRange(page.getByTestId('raft-timeline'), 0);
    assert.equal(await page.locator('.raft-logs td.request').count(), 0, 'before the requests');
    await setRange(page.getByTestId('raft-timeline'), at);
    assert.equal(await logs(), before);
    assert.equal(await committedRequests(), 10);
    await stepShot(page, 'raft', lang, 2);
    await next(page, lang);

    // Step 3: a committed request survives the leader's crash.
    await settle();
    await page.getByTestId('raft-request-button').click();
    await page.getByTestId('raft-play').click();
    await page.waitForFunction(() => document.querySelectorAll('.raft-logs td.request.committed').length === 5);
    await page.getByTestId('raft-crash').click();
    await page.waitForFunction(() => document.querySelector('.raft-server.crashed') !== null
      && document.querySelector('.raft-server.leader') !== null);
    await page.waitForFunction(() => /C1/.test(document.querySelector('.raft-logs tr.leader').textContent));
    await page.getByTestId('raft-play').click();
    await screenshot(page, `lessons-consensus-raft-${lang}-3-crashed`);
    await page.getByTestId('raft-restart').click();
    await stepShot(page, 'raft', lang, 3);
    await next(page, lang);

    await fast();
    await page.getByTestId('raft-play').click();
    await page.waitForFunction(() => document.querySelector('.raft-server.leader') !== null);
    await page.getByTestId('raft-partition').click();
    await page.waitForFunction(() => document.querySelectorAll('.raft-server.leader').length === 2, null, { timeout: 30_000 });
    assert.match(await status(), lang === 'en' ? /Two leaders/ : /两个领导者/);
    for (let i = 0; i < 5; i++) await page.getByTestId('raft-request-button').click();
    await screenshot(page, `lessons-consensus-raft-${lang}-4-split`);
    await page.getByTestId('raft-partition').click();
    await next(page, lang);
    await stepShot(page, 'raft', lang, 5);
    assert.deepEqual(page.problems, []);
  });

  test(`PBFT phases (${lang}): quorum of 3, a silent primary and the view change`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/pbft/1`);
    await page.getByTestId('pbft-play').click();
    await next(page, lang);
    await back(page, lang, 'pbft', 1);
    await page.getByTestId('pbft-play').click();
    await page.waitForFunction(() => /[1-9]\d* (requests|个请求)/.test(document.querySelector('[data-testid="pbft-client"]').textContent));
    await page.getByTestId('pbft-play').click();
    // Step back to the moment the first request's commit votes reached the quorum.
    const reached = async () => (await page.getByTestId('commits').allTextContents()).some((c) => c.includes('3/3'));
    for (let i = 0; i < 400 && !(await reached()); i++) await page.getByTestId('pbft-back').click();
    assert.ok(await reached(), 'a replica shows 3/3 commits');
    assert.match(await page.locator('.pbft-settings').textContent(), /f = ⌊\(n−1\)\/3⌋ = 1 · .* 3/);
    await stepShot(page, 'pbft', lang, 1);
    await next(page, lang);

    for (let i = 0; i < 12; i++) await page.getByTestId('pbft-forward').click();
    assert.match(await page.getByTestId('pbft-event').textContent(), /prepare|commit|request|reply|⏰/i);
    await page.getByTestId('pbft-back').click();
    assert.equal(await page.getByTestId('pbft-timeline').inputValue(), '11');
    await stepShot(page, 'pbft', lang, 2);
    await next(page, lang);

    await page.locator('.pbft-controls select').selectOption('2');
    await page.getByTestId('pbft-play').click();
    await next(page, lang, 60_000);
    await back(page, lang, 'pbft', 3);
    await page.locator('.pbft-controls select').selectOption('2');
    await page.getByTestId('pbft-play').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="pbft-status"]').textContent.includes('⟳'), null, { timeout: 60_000 });
    await stepShot(page, 'pbft', lang, 3);
    await next(page, lang);

    // Step 4: the checkpoint strip. Before any stable checkpoint every window is [0 … 20].
    const strip = () => page.getByTestId('pbft-windows').textContent();
    assert.match(await strip(), /h=0.*H=20/);
    assert.equal(await page.locator('[data-testid="pbft-windows"] .flag').count(), 0, 'no stable checkpoint yet');
    await page.locator('.pbft-controls select').selectOption('2');
    await page.getByTestId('pbft-play').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="pbft-window-"] .flag').length >= 3, null, { timeout: 60_000 });
    await page.getByTestId('pbft-play').click();
    const row = page.getByTestId('pbft-window-0');
    const [, h, high, flag] = (await row.textContent()).match(/h=(\d+)H=(\d+)⚑(\d+)/);
    assert.ok(Number(h) >= 10 && Number(h) % 10 === 0, `checkpoints every 10: ${h}`);
    assert.equal(Number(high), Number(h) + 20, 'H = h + L');
    assert.equal(flag, h, 'the flag sits at the low watermark');
    assert.match(await row.getAttribute('aria-label'), lang === 'en' ? new RegExp(`stable checkpoint ${h}`) : new RegExp(`稳定检查点 ${h}`));
    await stepShot(page, 'pbft', lang, 4);
    await next(page, lang);
    await stepShot(page, 'pbft', lang, 5);
    assert.deepEqual(page.problems, []);
  });
}

test('the consensus widgets embed from their URLs, in both languages', async () => {
  const cases = [
    ['/embed/pbft?n=4&f=1', 'pbft'],
    ['/embed/raft?n=5', 'raft'],
    ['/embed/generals?algorithm=om&n=4&m=1', 'generals-verdict'],
    ['/embed/race?q=0.3&z=6&lang=zh', 'race-readout'],
  ];
  for (const [url, testid] of cases) {
    const page = await openPage(browser);
    await page.goto(`${BASE}${url}`, { waitUntil: 'networkidle' });
    await page.getByTestId(testid).waitFor();
    if (testid === 'race-readout') {
      assert.match(await page.getByTestId(testid).textContent(), /q = 0\.30, z = 6: 白皮书公式 P = 0\.1321112/);
      await screenshot(page, 'lessons-consensus-embed-race-zh');
    }
    assert.deepEqual(page.problems, [], url);
    await page.close();
  }
  const page = await openPage(browser);
  await page.goto(`${BASE}/embed/raft?n=9`, { waitUntil: 'networkidle' });
  assert.match(await page.locator('body').textContent(), /n must be a whole number from 3 to 7/);
  assert.deepEqual(page.problems, []);
});
