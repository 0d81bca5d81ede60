// The student's tab as a full node (issue #6): several tabs of one Chromium join a
// network, mine, converge on one tip, pay each other, fork under a partition and
// reorganise at the heal, and keep their chain and wallet across a reload.
//
// Two networks: the tabs' own BroadcastChannel ("practice on this computer", no
// server), and a real room of `chainlab serve` (WebRTC data channels between the
// tabs, the instructor's parameters and the status board through the server). The
// test plays the instructor through the HTTP API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openTab, screenshot, setLang } from '../lib/browser.mjs';
import { converge, mineTo, tabStatus, waitStatus } from '../lib/classroom.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// A context whose tabs share BroadcastChannel and IndexedDB, as one browser's do.
async function openBrowserContext() {
  return browser.newContext({ viewport: { width: 1280, height: 900 } });
}

/// Joins with `name` from a page that shows the join form (the code already chosen).
async function joinAs(page, name) {
  await page.locator('#class-name').fill(name);
  await page.getByRole('button', { name: /^(Join|加入)$/ }).click();
  await page.getByTestId('connection').filter({ hasText: /Connected|已连接/ }).waitFor({ timeout: 30_000 });
}

test('tabs of one browser form a network without a server, mine and converge', async () => {
  const context = await openBrowserContext();
  const tabs = [];
  for (const name of ['Ada', 'Bo', 'Cy']) {
    const page = await openTab(context);
    await page.goto(`${BASE}/class`);
    await page.locator('#class-name').fill(name);
    if (name === 'Ada') {
      await screenshot(page, 'classroom-join-en');
      await setLang(page, 'zh');
      await screenshot(page, 'classroom-join-zh');
      await setLang(page, 'en');
    }
    await page.getByRole('button', { name: 'Practice on this computer' }).click();
    await page.waitForURL(/\/class\/local$/);
    await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    tabs.push(page);
  }
  await waitStatus(tabs[0], (s) => s.linked === 2, 'Ada is linked to both other tabs');
  await mineTo(tabs[0], 2);
  const tip = await converge(tabs, 2, 'local network');
  const names = await Promise.all(tabs.map((t) => t.evaluate(() => window.__chainlab.blocks.map((b) => b.hash))));
  for (const blocks of names.slice(1)) {
    assert.ok(blocks.includes(tip.tip), 'the followers logged the tip block as it arrived');
  }
  assert.match(await tabs[1].getByTestId('feed').textContent(), /mined by Ada|New block/);
  for (const page of tabs) assert.deepEqual(page.problems, []);
  await context.close();
});

/// The instructor's side, through the server's HTTP API.
async function createRoom() {
  const response = await fetch(`${BASE}/api/rooms`, { method: 'POST' });
  assert.equal(response.status, 201, 'the server creates a room');
  return response.json();
}

async function putParams(room, params) {
  const response = await fetch(`${BASE}/api/rooms/${room.code}/params`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'X-Instructor-Secret': room.secret },
    body: JSON.stringify(params),
  });
  assert.equal(response.status, 204, `params accepted: ${await response.text()}`);
}

/// Block propagation from the tabs' logs: for each block every tab logged, the time
/// from the first tab that had it (its miner) to the last (one process, one clock).
async function propagation(pages) {
  const logs = await Promise.all(pages.map((p) => p.evaluate(() => window.__chainlab.blocks)));
  const seen = new Map();
  for (const log of logs) {
    for (const { hash, received_at_ms: at } of log) {
      seen.set(hash, [...(seen.get(hash) ?? []), at]);
    }
  }
  const spreads = [...seen.values()]
    .filter((times) => times.length === pages.length)
    .map((times) => Math.max(...times) - Math.min(...times))
    .sort((a, b) => a - b);
  const at = (q) => spreads[Math.min(spreads.length - 1, Math.floor(q * spreads.length))];
  return { blocks: spreads.length, median_ms: at(0.5), p95_ms: at(0.95) };
}

test('a real room: three tabs mine, pay a classmate, fork and heal, and a reloaded tab keeps its node', async (t) => {
  const room = await createRoom();
  // A new epoch with the classroom's easiest start (about 65,000 hashes a block).
  const chain = { block_seconds: 15, retarget_blocks: 10, start_bits: 0x1f00ffff, reward_coins: 50, halving_blocks: 100 };
  await putParams(room, { epoch: 1, chain });
  const context = await openBrowserContext();
  const [ada, bo, cy] = [await openTab(context), await openTab(context), await openTab(context)];
  const pages = [ada, bo, cy];
  for (const [page, name] of [[ada, 'Ada'], [bo, 'Bo'], [cy, 'Cy']]) {
    await page.goto(`${BASE}/class/${room.code}`);
    await joinAs(page, name);
  }
  for (const page of pages) {
    await waitStatus(page, (s) => s.linked === 2 && s.epoch === 1, 'every tab peers with the two others over WebRTC');
  }
  await mineTo(ada, 2, async () => {
    await ada.getByTestId('mine-status').filter({ hasText: /Mining on your tip at .*H\/s/ }).waitFor();
    await screenshot(ada, 'classroom-mining-en');
    await setLang(ada, 'zh');
    await screenshot(ada, 'classroom-mining-zh');
    await setLang(ada, 'en');
  });
  await converge(pages, 2, 'after Ada mined');

  // Ada pays Bo, picking Bo from the address book the status board fills.
  const bob = await tabStatus(bo);
  await ada.getByTestId('pay-to').locator(`option[value="${bob.address}"]`).waitFor({ state: 'attached', timeout: 15_000 });
  await ada.getByTestId('pay-to').selectOption(bob.address);
  await ada.locator('#class-pay-amount').fill('1.5');
  await ada.getByRole('button', { name: 'Send', exact: true }).click();
  await ada.getByTestId('pay-outcome').filter({ hasText: 'Sent' }).waitFor();
  await bo.getByTestId('incoming').filter({ hasText: '1.50000000' }).waitFor({ timeout: 15_000 });
  const before = (await tabStatus(cy)).height;
  await mineTo(cy, before + 1);
  await converge(pages, before + 1, 'after Cy mined the payment');
  await bo.getByTestId('history').filter({ hasText: /1 confirmations|\d+ confirmations/ }).waitFor({ timeout: 15_000 });
  await waitStatus(bo, (s) => s.balance === 150_000_000, 'Bo owns the 1.5 coins once mined');
  await screenshot(bo, 'classroom-wallet-en');
  await setLang(bo, 'zh');
  await screenshot(bo, 'classroom-wallet-zh');
  await setLang(bo, 'en');

  // Before any partition, every block reached every tab over the data channels.
  const spread = await propagation(pages);
  t.diagnostic(`block propagation over WebRTC across 3 tabs: ${JSON.stringify(spread)}`);
  assert.ok(spread.blocks >= 2, 'every tab logged the blocks it accepted');

  // Partition: Ada alone on side A mines one block, Bo and Cy on side B two; the heal
  // reorganises Ada onto side B's chain.
  const adaId = (await tabStatus(ada)).member;
  await putParams(room, { epoch: 1, chain, scenario: { kind: 'partition', side: [adaId] } });
  await ada.getByTestId('side').filter({ hasText: 'side A' }).waitFor({ timeout: 10_000 });
  await bo.getByTestId('side').filter({ hasText: 'side B' }).waitFor({ timeout: 10_000 });
  const split = (await tabStatus(bo)).height;
  await mineTo(ada, split + 1);
  const lonely = (await tabStatus(ada)).height;
  // A payment made alone on side A lives only in Ada's tab: a reload keeps it, and
  // her seat keeps her on side A though the server gives her a new id.
  const cyAddress = (await tabStatus(cy)).address;
  await ada.getByTestId('pay-to').selectOption(cyAddress);
  await ada.locator('#class-pay-amount').fill('0.25');
  await ada.getByRole('button', { name: 'Send', exact: true }).click();
  const unmined = (page) => page.getByTestId('history').locator('li.is-pending', { hasText: '0.25000000' });
  await unmined(ada).waitFor();
  // Saves are batched once a second.
  await ada.waitForTimeout(1_500);
  await ada.reload();
  await ada.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  await unmined(ada).waitFor({ timeout: 10_000 });
  await ada.getByTestId('side').filter({ hasText: 'side A' }).waitFor({ timeout: 10_000 });
  assert.equal((await tabStatus(bo)).height, split, "side B did not hear Ada's reloaded tab");
  await mineTo(bo, lonely + 1);
  const sideB = (await tabStatus(bo)).height;
  await waitStatus(cy, (s) => s.height >= sideB, 'Cy follows Bo on side B');
  assert.equal((await tabStatus(ada)).height, lonely, 'side A did not hear side B, before or after the reload');
  await putParams(room, { epoch: 1, chain, scenario: { kind: 'normal' } });
  await converge(pages, sideB, 'after the heal');
  await ada.getByTestId('feed').filter({ hasText: 'Reorganisation' }).waitFor({ timeout: 10_000 });
  await screenshot(ada, 'classroom-reorg-en');
  await setLang(ada, 'zh');
  await ada.getByTestId('feed').filter({ hasText: '链重组' }).waitFor();
  await screenshot(ada, 'classroom-reorg-zh');
  await setLang(ada, 'en');

  // Reload: Cy's chain comes back from IndexedDB (validated), its wallet too, and it
  // catches up with a block mined meanwhile.
  // Saves are batched once a second: let the last tip reach IndexedDB.
  await cy.waitForTimeout(1_500);
  const kept = await tabStatus(cy);
  await cy.reload();
  await cy.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  const back = await tabStatus(cy);
  assert.equal(back.address, kept.address, 'the wallet survived the reload');
  assert.ok(back.height >= kept.height, `the chain survived the reload (${back.height} >= ${kept.height})`);
  await waitStatus(ada, (s) => s.linked === 2, 'Ada sees the reloaded Cy again');
  const now = (await tabStatus(ada)).height;
  await mineTo(ada, now + 1);
  await converge(pages, now + 1, 'after the reload');
  await cy.getByTestId('history').locator('li.is-ok', { hasText: '0.25000000' })
    .waitFor({ timeout: 15_000 });
  await screenshot(cy, 'classroom-reloaded-en');
  for (const page of pages) assert.deepEqual(page.problems, []);
  await context.close();
});

test('an unknown room code gets a clear message and a way back', async () => {
  const context = await openBrowserContext();
  const page = await openTab(context);
  await page.goto(`${BASE}/class/ZZZZZ9`);
  await page.locator('#class-name').fill('Dee');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByTestId('failure').filter({ hasText: 'There is no room with this code' }).waitFor({ timeout: 15_000 });
  await screenshot(page, 'classroom-no-room-en');
  // The one expected problem: the 404 of the room lookup itself.
  assert.deepEqual(page.problems.filter((p) => !p.includes('404')), []);
  await context.close();
});
