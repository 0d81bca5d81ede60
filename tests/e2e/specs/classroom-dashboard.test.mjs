// The instructor's dashboard (issue #6): create a room from /teach, put its code and
// QR code on the projector, watch two student tabs join and mine, start a new chain
// with easier rules, cut the class in two and heal it, all from the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openTab, screenshot, setLang } from '../lib/browser.mjs';
import { converge, mineTo, tabStatus, waitStatus } from '../lib/classroom.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PROJECTOR = { width: 1280, height: 720 };
const FULL_HD = { width: 1920, height: 1080 };

/// Screenshots at projector and full-HD sizes, in English and Chinese.
async function shoot(page, name) {
  for (const size of [PROJECTOR, FULL_HD]) {
    await page.setViewportSize(size);
    for (const lang of ['en', 'zh']) {
      await setLang(page, lang);
      await screenshot(page, `${name}-${size.width}x${size.height}-${lang}`);
    }
  }
  await setLang(page, 'en');
  await page.setViewportSize(PROJECTOR);
}

/// The dashboard's table row of the student called `name`.
const row = (dash, name) => dash.locator('.teach-table tbody tr').filter({ has: dash.locator('th', { hasText: name }) });

/// Waits until the dashboard's row of `name` shows the tip `hash` (its first 12 digits).
async function rowShowsTip(dash, name, hash, what) {
  await row(dash, name).locator('td').nth(3).filter({ hasText: hash.slice(0, 12) })
    .waitFor({ timeout: 15_000 })
    .catch(() => assert.fail(`${what}: the dashboard's row of ${name} does not show tip ${hash.slice(0, 12)}`));
}

async function confirmNewChain(dash) {
  await dash.locator('.teach-confirm').getByRole('button', { name: 'Yes, start a new chain' }).click();
  await dash.locator('.teach-rules .teach-message').filter({ hasText: 'Sent to every node.' }).waitFor();
}

test('the instructor hosts a class: join card, table, new rules, partition and heal', async () => {
  const teacher = await browser.newContext({ viewport: PROJECTOR });
  const dash = await openTab(teacher);
  await dash.goto(`${BASE}/teach`);
  await dash.getByRole('button', { name: 'Create a room' }).waitFor();
  await shoot(dash, 'classroom-teach');
  await dash.getByRole('button', { name: 'Create a room' }).click();
  await dash.waitForURL(/\/teach\/[A-Z0-9]{6}$/);
  const code = dash.url().split('/').pop();
  await dash.locator('.teach-code').filter({ hasText: code }).waitFor();
  await dash.locator('.teach-url').filter({ hasText: `/class/${code}` }).waitFor();
  await dash.waitForFunction(() => document.querySelector('.teach-qr')?.naturalWidth > 0, null, { timeout: 10_000 });
  const secret = await dash.evaluate((c) => localStorage.getItem(`chainlab.secret.${c}`), code);
  assert.match(secret ?? '', /^[0-9a-f]{32,}$/, 'the dashboard keeps the instructor secret');
  await dash.locator('.teach-connection').filter({ hasText: 'Watching the room' }).waitFor({ timeout: 30_000 });

  // Easy rules for the test: a new chain (epoch 1) at regtest's difficulty.
  await dash.locator('#teach-start-bits').fill('207fffff');
  await dash.locator('#teach-block-seconds').fill('2');
  // The default retarget (every 10 blocks) soon slows tabs that mine at regtest's
  // difficulty to about a block in 2 s, so the tabs never run far ahead of each other.
  await dash.getByRole('button', { name: 'Start a new chain with these rules' }).click();
  await confirmNewChain(dash);
  await dash.locator('.teach-connection').filter({ hasText: 'Chain 1' }).waitFor({ timeout: 10_000 });

  const students = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [ada, bo] = [await openTab(students), await openTab(students)];
  for (const [page, name] of [[ada, 'Ada'], [bo, 'Bo']]) {
    await page.goto(`${BASE}/class/${code}`);
    await page.locator('#class-name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByTestId('connection').filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
  }
  for (const page of [ada, bo]) {
    await waitStatus(page, (s) => s.epoch === 1 && s.linked >= 1, 'each tab is on chain 1 and peers with the other');
  }
  await mineTo(ada, 2);
  const tip = await converge([ada, bo], 2, 'after Ada mined');
  for (const name of ['Ada', 'Bo']) {
    await row(dash, name).locator('td.num').first().filter({ hasText: String(tip.height) }).waitFor({ timeout: 15_000 });
  }
  await dash.locator('.tree-block.is-active').nth(2).waitFor({ timeout: 15_000 });

  // New rules bump the epoch: every tab drops its chain and starts the new one.
  await dash.locator('#teach-reward').fill('25');
  await dash.getByRole('button', { name: 'Start a new chain with these rules' }).click();
  await confirmNewChain(dash);
  for (const page of [ada, bo]) {
    await waitStatus(page, (s) => s.epoch === 2 && s.height === 0, 'the tab restarts on chain 2 from its genesis');
  }
  await dash.locator('.teach-facts').filter({ hasText: '25.00000000' }).waitFor({ timeout: 10_000 });
  for (const name of ['Ada', 'Bo']) {
    await row(dash, name).locator('td.num').first().filter({ hasText: /^0$/ }).waitFor({ timeout: 15_000 });
  }

  // Partition: split the class in half; each side mines; the heal leaves one tip.
  await waitStatus(ada, (s) => s.linked >= 1, 'the tabs peer again on chain 2');
  await dash.getByRole('button', { name: 'Split the class in half' }).click();
  await dash.getByRole('button', { name: 'Cut the network' }).click();
  await dash.locator('.teach-scenario.is-running').filter({ hasText: 'Network partition' }).waitFor({ timeout: 10_000 });
  await dash.locator('.teach-table').filter({ hasText: 'Side A' }).filter({ hasText: 'Side B' }).waitFor({ timeout: 15_000 });
  const [first, second] = (await dash.locator('.teach-table tbody th').allTextContents());
  const sideA = first === 'Ada' ? ada : bo;
  const sideB = first === 'Ada' ? bo : ada;
  assert.ok([first, second].includes('Ada') && [first, second].includes('Bo'));
  // Side A alone still hears the dashboard, a silent observer linked to both sides.
  await waitStatus(sideA, (s) => s.linked === 1, 'side A is cut from side B');
  await mineTo(sideA, 1);
  const lonely = (await tabStatus(sideA)).height;
  await mineTo(sideB, lonely + 1);
  const longer = (await tabStatus(sideB)).height;
  assert.equal((await tabStatus(sideA)).height, lonely, 'side A did not hear side B');
  const [nameA, nameB] = [first, second];
  await rowShowsTip(dash, nameA, (await tabStatus(sideA)).tip, 'during the partition');
  await rowShowsTip(dash, nameB, (await tabStatus(sideB)).tip, 'during the partition');
  await screenshot(dash, 'classroom-dashboard-partition-1280x720-en');
  await dash.getByRole('button', { name: 'Heal the network' }).click();
  const healed = await converge([ada, bo], longer, 'after the heal');
  await dash.locator('.teach-scenario.is-running').waitFor({ state: 'detached', timeout: 10_000 });
  for (const name of ['Ada', 'Bo']) await rowShowsTip(dash, name, healed.tip, 'after the heal');
  // The observer saw both sides: the losing side's blocks stay in its tree as a stale branch.
  await dash.getByText(/[1-9]\d* stale branch(es)?, active tip/).waitFor({ timeout: 15_000 });
  await screenshot(sideA, 'classroom-dashboard-student-after-heal');
  await shoot(dash, 'classroom-dashboard');

  for (const page of [dash, ada, bo]) assert.deepEqual(page.problems, []);
  await students.close();
  await teacher.close();
});
