// Classroom figures for `cargo xtask bench` (issue #6), printed as BENCH lines:
// - block propagation across 8 tabs: a native node mines; for each block, the time
//   from the miner's accept to each tab's accept (one machine, one clock:
//   performance.timeOrigin + now in the tabs, Unix ms in the node), median and p95;
// - late sync: a fresh tab joins a room whose native node holds a 2,000-block chain
//   (regtest-easy bits), timed from its Join click until its height matches.
// Runs on the private network of lib/classroom.mjs. Needs CHAINLAB_BIN and a built dist.
import {
  Network, startServer, createRoom, putParams, startNode, tabStatus, tabBlocks, waitFor,
} from './lib/classroom.mjs';

const TABS = 8;
const PROPAGATION_BLOCKS = 30;
const LATE_SYNC_BLOCKS = 2_000;
/// About half a second a block for one native thread, and no retarget.
const STEADY = { start_bits: 0x1e03ffff, block_seconds: 2, retarget_blocks: 2016 };
/// Half of all hashes make a block: a 2,000-block chain in seconds.
const EASY = { start_bits: 0x207fffff, block_seconds: 2, retarget_blocks: 2016 };

const bench = (name, value) => console.log(`BENCH ${JSON.stringify({ name, value })}`);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];

async function joinTab(browser, base, code, name) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (error) => console.log(`# ${name}: page error: ${error.message}`));
  page.on('crash', () => console.log(`# ${name}: the tab crashed`));
  await page.goto(`${base}/class/${code}`);
  await page.locator('#class-name').fill(name);
  const clicked = Date.now();
  await page.getByRole('button', { name: /^(Join|加入)$/ }).click();
  return { page, clicked };
}

async function propagation(net, base, browser) {
  const room = await createRoom(net, base);
  await putParams(net, base, room, { epoch: 1, chain: STEADY });
  const tabs = [];
  for (let i = 0; i < TABS; i += 1) tabs.push((await joinTab(browser, base, room.code, `Tab ${i + 1}`)).page);
  for (const page of tabs) {
    await waitFor('every tab linked to the other tabs', async () => (await tabStatus(page))?.linked >= TABS - 1, 90_000);
  }
  const miner = startNode(net, base, room.code, 'miner', { mine: true });
  await waitFor('every tab linked to the miner', async () => {
    const all = await Promise.all(tabs.map(tabStatus));
    return all.every((s) => s?.linked >= TABS);
  }, 60_000);
  const first = miner.tip().height + 1;
  await waitFor(`${PROPAGATION_BLOCKS} blocks mined`, () => miner.tip().height >= first + PROPAGATION_BLOCKS, 300_000, 500);
  const last = miner.tip().height - 1;
  await waitFor('the tabs to hold the blocks', async () => {
    const all = await Promise.all(tabs.map(tabStatus));
    return all.every((s) => s.height >= last);
  }, 60_000);
  const mined = new Map(miner.blocks().filter((b) => b.height >= first && b.height <= last).map((b) => [b.hash, b.received_at_ms]));
  const delays = [];
  for (const page of tabs) {
    for (const arrival of await tabBlocks(page)) {
      const at = mined.get(arrival.hash);
      if (at !== undefined) delays.push(arrival.received_at_ms - at);
    }
  }
  delays.sort((a, b) => a - b);
  console.log(`# propagation: ${mined.size} blocks x ${TABS} tabs, ${delays.length} arrivals`);
  miner.child.kill('SIGINT');
  await miner.exited;
  for (const page of tabs) await page.context().close();
  return delays;
}

/// Builds the chain before launching the browser: an idle Chromium left waiting
/// through the minutes of mining was seen to disconnect.
async function lateSync(net, base) {
  const room = await createRoom(net, base);
  await putParams(net, base, room, { epoch: 1, chain: EASY });
  const builder = startNode(net, base, room.code, 'holder', { mine: true });
  await waitFor(`a ${LATE_SYNC_BLOCKS}-block chain`, () => builder.tip().height >= LATE_SYNC_BLOCKS, 600_000, 250);
  builder.child.kill('SIGINT');
  await builder.exited;
  const holder = startNode(net, base, room.code, 'holder');
  const height = await waitFor('the holder to reload its chain', () => {
    const line = holder.lines.find((l) => l.includes(': loaded height '));
    return line && Number(line.match(/loaded height (\d+)/)[1]);
  }, 60_000);
  await waitFor('the holder to join', () => holder.member(), 20_000);
  const browser = await net.chromium([]);
  const { page, clicked } = await joinTab(browser, base, room.code, 'Late');
  await waitFor(`the late tab at height ${height}`, async () => (await tabStatus(page))?.height >= height, 300_000, 100);
  const ms = Date.now() - clicked;
  console.log(`# late sync: ${height} blocks in ${ms} ms`);
  await page.context().close();
  return ms;
}

const net = Network.open();
try {
  const base = await startServer(net);
  if (process.env.CLASSROOM_BENCH !== 'late-sync') {
    const delays = await propagation(net, base, await net.chromium([]));
    bench('block_propagation_8tabs_median_ms', percentile(delays, 0.5));
    bench('block_propagation_8tabs_p95_ms', percentile(delays, 0.95));
  }
  bench('late_sync_2000_blocks_ms', await lateSync(net, base));
} finally {
  await net.close();
}
