// Walks the Blocks and chains, Merkle trees and Difficulty lessons in both languages as a
// learner: tampers, re-mines in the worker, checks a proof, runs the retarget simulation,
// uses Back once per lesson, and screenshots every step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const LANGS = ['en', 'zh'];
const sha256d = (bytes) => createHash('sha256').update(createHash('sha256').update(bytes).digest()).digest();
const NAMES = ['Alice', 'Bob', 'Carol', 'Dave'];
const leafText = (i) => `${NAMES[i % 4]} pays ${NAMES[(i + 1) % 4]} ${i + 1}`;

/** Bitcoin's Merkle root (explorer byte order) of these texts' txids, computed here. */
function merkleRoot(texts) {
  let level = texts.map((t) => sha256d(Buffer.from(t)));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(sha256d(Buffer.concat([level[i], level[i + 1] ?? level[i]])));
    }
    level = next;
  }
  return Buffer.from(level[0]).reverse().toString('hex');
}
const txidHex = (t) => Buffer.from(sha256d(Buffer.from(t))).reverse().toString('hex');

const stepNav = (page) => page.locator('.step-nav');
/** Waits until the player shows step `to`, not only until the URL says so. */
async function onStep(page, to) {
  await page.waitForFunction((n) => document.querySelectorAll('.step-progress .dot.reached').length === n, to);
}
async function next(page, lesson, to) {
  await stepNav(page).locator('button.primary').click();
  await page.waitForURL(new RegExp(`/lesson/${lesson}/${to}$`));
  await onStep(page, to);
}
async function back(page, lesson, to) {
  await stepNav(page).locator('button.secondary').click();
  await page.waitForURL(new RegExp(`/lesson/${lesson}(/${to})?$`));
  await onStep(page, to);
}
async function shot(page, name) {
  await page.waitForTimeout(100);
  await screenshot(page, name);
}
const waiting = (page) => page.locator('.step-nav .waiting');

test('merkle roots computed here match the chainlab binary when it is available', { skip: !process.env.CHAINLAB_BIN }, () => {
  const texts = [0, 1, 2, 3, 4].map(leafText);
  const out = execFileSync(process.env.CHAINLAB_BIN, ['merkle-root', ...texts.map(txidHex)]).toString();
  assert.match(out, new RegExp(merkleRoot(texts)));
});

for (const lang of LANGS) {
  test(`blocks and chains (${lang}): tamper, cascade, re-mine, signatures`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/blocks/1`);
    const blocks = page.locator('[data-testid^="chain-block-"]');
    await blocks.first().waitFor();
    assert.equal(await blocks.count(), 5);
    assert.equal(await page.locator('[data-testid="chain-summary"].ok').count(), 1);
    await shot(page, `blocks-${lang}-1`);
    await next(page, 'blocks', 2);

    // Step 2: edit an amount in block 2; blocks 2..4 turn invalid, block 3 by a broken link.
    assert.equal(await waiting(page).count(), 1);
    const amount = page.locator('[data-testid="chain-block-2"] [data-testid="tx-1"] input');
    await amount.fill('30');
    await amount.press('Tab');
    for (const k of [2, 3, 4]) {
      await page.locator(`[data-testid="chain-block-${k}"] [data-testid="block-status"].bad`).waitFor();
    }
    assert.equal(await page.locator('[data-testid="chain-block-1"] [data-testid="block-status"].ok').count(), 1);
    assert.match(await page.locator('[data-testid="chain-block-3"] [data-testid="block-status"]').textContent(),
      lang === 'en' ? /Broken link/ : /链接断了/);
    await shot(page, `blocks-${lang}-2`);
    await back(page, 'blocks', 1);
    await next(page, 'blocks', 2);
    assert.equal(await waiting(page).count(), 0, 'the tamper is remembered after Back');
    await next(page, 'blocks', 3);

    // Step 3: re-mine blocks 2, 3, 4 in the worker until the chain is valid again.
    assert.equal(await waiting(page).count(), 1);
    for (const k of [2, 3, 4]) {
      await page.locator(`[data-testid="chain-block-${k}"] [data-testid="remine"]`).click();
      await page.locator(`[data-testid="chain-block-${k}"] [data-testid="block-status"].ok`).waitFor({ timeout: 30_000 });
    }
    await page.locator('[data-testid="chain-summary"].ok').waitFor();
    await waiting(page).waitFor({ state: 'detached' });
    await shot(page, `blocks-${lang}-3`);
    await next(page, 'blocks', 4);

    // Step 4: a changed payment breaks the payer's signature.
    const pay = page.locator('[data-testid="chain-block-1"] [data-testid="tx-1"]');
    await pay.locator('input').fill('12');
    await pay.locator('input').press('Tab');
    await pay.locator('[data-testid="sig"].bad').waitFor();
    await shot(page, `blocks-${lang}-4`);
    await next(page, 'blocks', 5);
    await shot(page, `blocks-${lang}-5`);
    await next(page, 'blocks', 6);
    await page.locator('[data-testid^="chain-block-"]').first().waitFor();
    await shot(page, `blocks-${lang}-6`);
    assert.equal(await stepNav(page).locator('a.primary').count(), 1, 'the sandbox ends the lesson');
    assert.deepEqual(page.problems, []);
  });

  test(`merkle trees (${lang}): build, prove, tamper, SPV`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/merkle/1`);
    const root = page.getByTestId('merkle-root');
    await root.waitFor();
    assert.equal(await root.textContent(), merkleRoot([0, 1, 2, 3, 4].map(leafText)));
    assert.equal(await page.locator('.merkle-node.copy').count(), 2, 'five leaves draw two copies');
    await page.getByTestId('merkle-add').click();
    assert.equal(await root.textContent(), merkleRoot([0, 1, 2, 3, 4, 5].map(leafText)));
    await shot(page, `merkle-${lang}-1`);
    await next(page, 'merkle', 2);

    // Step 2: prove tx 3 and check it hash by hash.
    assert.equal(await waiting(page).count(), 1);
    await page.getByTestId('merkle-prove-3').click();
    assert.equal(await page.locator('.merkle-node.sibling').count(), 3);
    while (await page.getByTestId('proof-next').count()) {
      await page.getByTestId('proof-next').click();
    }
    assert.equal(await page.getByTestId('proof-step').count(), 3);
    await page.locator('[data-testid="proof-verdict"].ok').waitFor();
    await waiting(page).waitFor({ state: 'detached' });
    await shot(page, `merkle-${lang}-2`);
    await back(page, 'merkle', 1);
    await next(page, 'merkle', 2);
    assert.equal(await waiting(page).count(), 0);
    await next(page, 'merkle', 3);

    // Step 3: tamper a leaf: its path to the root changes and the root differs.
    const published = await page.getByTestId('merkle-published-root').textContent();
    await page.getByTestId('merkle-leaf-2').fill('Carol pays Dave 1000');
    await page.getByTestId('merkle-tamper-status').waitFor();
    assert.equal(await page.locator('.merkle-node.changed').count(), 4);
    assert.notEqual(await page.getByTestId('merkle-root').textContent(), published);
    await page.getByTestId('merkle-prove-2').click();
    while (await page.getByTestId('proof-next').count()) {
      await page.getByTestId('proof-next').click();
    }
    await page.locator('[data-testid="proof-verdict"].bad').waitFor();
    await waiting(page).waitFor({ state: 'detached' });
    await shot(page, `merkle-${lang}-3`);
    await next(page, 'merkle', 4);

    // Step 4: the light client accepts a real payment and rejects a forged one.
    assert.match(await page.getByTestId('spv-sizes').textContent(), /400/);
    await page.getByTestId('spv-check').click();
    await page.locator('[data-testid="spv-verdict"].ok').waitFor();
    await page.getByTestId('spv-forged').check();
    await page.getByTestId('spv-check').click();
    await page.locator('[data-testid="spv-verdict"].bad').waitFor();
    await shot(page, `merkle-${lang}-4`);
    await next(page, 'merkle', 5);
    await shot(page, `merkle-${lang}-5`);
    assert.deepEqual(page.problems, []);
  });

  test(`difficulty (${lang}): number line, bits, retarget`, async () => {
    const page = await openPage(browser);
    await page.goto(`${BASE}/${lang}/lesson/difficulty/1`);
    for (let i = 0; i < 3; i++) await page.getByTestId('target-try').click();
    await page.getByTestId('target-hits').waitFor();
    assert.equal(await page.locator('.hash-dot').count(), 3);
    await shot(page, `difficulty-${lang}-1`);
    await next(page, 'difficulty', 2);

    // Step 2: Bitcoin's genesis bits expand to a target with 32 leading zero bits.
    await page.getByTestId('target-bits').fill('0x1d00ffff');
    await page.waitForFunction(() => document.querySelector('[data-testid="target-leading"]')?.textContent === '32');
    assert.match(await page.getByTestId('target-hex').textContent(), /^00000000ffff0{52}$/);
    await shot(page, `difficulty-${lang}-2a`);
    await page.getByTestId('target-bits').fill('0x04923456');
    await page.getByTestId('target-error').waitFor();
    await shot(page, `difficulty-${lang}-2b`);
    await next(page, 'difficulty', 3);

    // Step 3: the run starts steady, so running it as it is completes nothing; miners
    // then join in the second phase, the simulation marks the clamped periods.
    assert.equal(await waiting(page).count(), 1);
    await page.getByTestId('retarget-steady').waitFor();
    await page.getByTestId('retarget-run').click();
    await page.getByTestId('retarget-status').waitFor();
    assert.match(await page.getByTestId('retarget-status').textContent(), /\b0\b/);
    assert.equal(await page.locator('.clamp-label').count(), 0);
    assert.equal(await waiting(page).count(), 1, 'a steady run does not complete the step');
    await shot(page, `difficulty-${lang}-3-steady`);
    await page.getByTestId('retarget-phase-1').fill('8');
    assert.equal(await page.getByTestId('retarget-steady').count(), 0);
    await page.getByTestId('retarget-run').click();
    await page.getByTestId('retarget-status').waitFor();
    await page.locator('.clamp-label').first().waitFor();
    await waiting(page).waitFor({ state: 'detached' });
    await shot(page, `difficulty-${lang}-3`);
    await back(page, 'difficulty', 2);
    await next(page, 'difficulty', 3);
    await next(page, 'difficulty', 4);
    await shot(page, `difficulty-${lang}-4`);
    assert.deepEqual(page.problems, []);
  });
}

test('the ledger widgets load alone as embeds with their settings', async () => {
  const page = await openPage(browser);
  for (const [path, probe] of [
    ['/embed/chain?blocks=3&lang=zh', '[data-testid="chain-block-2"]'],
    ['/embed/merkle?leaves=5', '[data-testid="merkle-leaf-4"]'],
    ['/embed/spv', '[data-testid="spv-check"]'],
    ['/embed/target', '[data-testid="target-line"]'],
    ['/embed/retarget?interval=10&spacing=15&lang=zh', '[data-testid="retarget-run"]'],
  ]) {
    await page.goto(`${BASE}${path}`);
    await page.locator(probe).waitFor();
    await shot(page, `embed-${path.split('?')[0].split('/').pop()}`);
    // The chain embed starts a mining worker; leaving mid-download would abort it.
    await page.waitForLoadState('networkidle');
  }
  assert.equal(await page.locator('[data-testid^="chain-block-"]').count(), 0);
  assert.deepEqual(page.problems, []);
});
