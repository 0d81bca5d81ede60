// The classroom on a private network: `chainlab serve`, native nodes, the attacker
// and Chromium processes run inside a network namespace with a veth pair, so
// WebRTC between them never leaves this machine. Without root (or `ip`) they run on
// the host's own interfaces, which is still this machine, and the log says so.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const CHAINLAB = process.env.CHAINLAB_BIN;
/// The built web app, served by the classroom's own server.
export const DIST = process.env.CHAINLAB_DIST ?? resolve(import.meta.dirname, '../../../dist');

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/// Polls `check` until it returns something truthy; fails with `what` and the last
/// value seen after `timeoutMs`.
export async function waitFor(what, check, timeoutMs = 30_000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (error) {
      last = error.message;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    }
    await sleep(everyMs);
  }
}

/// A private network namespace, or the host when one cannot be made here.
export class Network {
  static open() {
    const name = `chainlab-e2e-${process.pid}`;
    const isRoot = process.getuid?.() === 0;
    let ip = null;
    try {
      ip = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim();
    } catch {
      ip = null;
    }
    if (!isRoot || !ip) {
      console.log(`# classroom network: host interfaces of this machine (${isRoot ? 'no ip tool' : 'not root'})`);
      return new Network(null);
    }
    const run = (...args) => execFileSync(ip, args, { stdio: 'pipe' });
    try {
      run('netns', 'add', name);
      const inside = (...args) => run('netns', 'exec', name, ip, ...args);
      inside('link', 'set', 'lo', 'up');
      inside('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
      inside('addr', 'add', '10.213.0.1/24', 'dev', 'd0');
      inside('link', 'set', 'd0', 'up');
      inside('link', 'set', 'd1', 'up');
      inside('route', 'add', 'default', 'dev', 'd0');
    } catch (error) {
      try { run('netns', 'del', name); } catch { /* never made */ }
      console.log(`# classroom network: host interfaces of this machine (namespace failed: ${error.message.split('\n')[0]})`);
      return new Network(null);
    }
    console.log(`# classroom network: namespace ${name} with veth d0/d1 (10.213.0.1/24)`);
    return new Network(name, ip);
  }

  constructor(namespace, ip = null) {
    this.namespace = namespace;
    this.ip = ip;
    this.children = [];
    this.dir = mkdtempSync(join(tmpdir(), 'chainlab-class-'));
  }

  /// `command args` inside the namespace.
  wrap(command, args) {
    return this.namespace ? [this.ip, ['netns', 'exec', this.namespace, command, ...args]] : [command, args];
  }

  /// A child process whose stdout lines are kept in `lines`; killed at close.
  start(name, command, args) {
    const [cmd, argv] = this.wrap(command, args);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = { name, child, lines: [], errors: [] };
    const collect = (into) => {
      let rest = '';
      return (chunk) => {
        rest += chunk;
        const parts = rest.split('\n');
        rest = parts.pop();
        into.push(...parts);
      };
    };
    child.stdout.setEncoding('utf8').on('data', collect(proc.lines));
    child.stderr.setEncoding('utf8').on('data', collect(proc.errors));
    proc.exited = new Promise((done) => child.on('exit', (code) => done(code)));
    this.children.push(proc);
    return proc;
  }

  /// Chromium launched inside the namespace through a wrapper: playwright talks to
  /// it over a pipe, so only its own traffic is in the namespace.
  async chromium(args) {
    let executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
    if (this.namespace) {
      const wrapper = join(this.dir, 'chromium-in-netns');
      writeFileSync(wrapper, `#!/bin/sh\nexec ${this.ip} netns exec ${this.namespace} ${executablePath} "$@"\n`);
      chmodSync(wrapper, 0o755);
      executablePath = wrapper;
    }
    const base = (process.env.CHROMIUM_ARGS ?? '--no-sandbox').split(' ').filter(Boolean);
    const browser = await chromium.launch({
      executablePath,
      args: [...base, '--disable-features=WebRtcHideLocalIpsWithMdns', ...args],
    });
    this.browsers = [...(this.browsers ?? []), browser];
    return browser;
  }

  async close() {
    for (const browser of this.browsers ?? []) await browser.close().catch(() => {});
    for (const proc of this.children) {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
    await Promise.all(this.children.map((proc) => proc.exited));
    if (this.namespace) {
      try { execFileSync(this.ip, ['netns', 'del', this.namespace], { stdio: 'pipe' }); } catch { /* gone */ }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/// `chainlab serve` on a free port of this network; its base URL.
export async function startServer(net) {
  const dir = existsSync(join(DIST, 'index.html')) ? DIST : emptyDist(net);
  const server = net.start('server', CHAINLAB, ['serve', '--port', '0', '--dir', dir]);
  const line = await waitFor('the server to print its address', () => server.lines.find((l) => l.startsWith('ChainLab is serving on ')), 15_000);
  return line.replace('ChainLab is serving on ', '').trim().replace(/\/$/, '');
}

function emptyDist(net) {
  const dir = join(net.dir, 'dist');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>ChainLab</title>');
  return dir;
}

/// HTTP inside the namespace: Node's fetch would run on the host's network, which
/// cannot reach a server bound in the namespace, so requests go through curl there.
export async function api(net, method, url, { body, secret } = {}) {
  const args = ['-sS', '-X', method, '-w', '\n%{http_code}', url];
  if (body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body));
  if (secret) args.push('-H', `X-Instructor-Secret: ${secret}`);
  const [cmd, argv] = net.wrap('curl', args);
  const out = execFileSync(cmd, argv, { encoding: 'utf8' });
  const cut = out.lastIndexOf('\n');
  const status = Number(out.slice(cut + 1));
  const text = out.slice(0, cut);
  return { status, json: text ? JSON.parse(text) : null };
}

export async function createRoom(net, base) {
  const { status, json } = await api(net, 'POST', `${base}/api/rooms`);
  if (status !== 201) throw new Error(`creating a room answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

export async function putParams(net, base, room, params) {
  const { status, json } = await api(net, 'PUT', `${base}/api/rooms/${room.code}/params`, { body: params, secret: room.secret });
  if (status !== 204) throw new Error(`setting ${JSON.stringify(params)} answered ${status}: ${JSON.stringify(json)}`);
}

/// The room's status board (`null` while the server has no such endpoint).
export async function board(net, base, code) {
  const { status, json } = await api(net, 'GET', `${base}/api/rooms/${code}/status`);
  return status === 200 ? json : null;
}

/// A `chainlab node` in the room; `tips()` reads the tips it printed.
export function startNode(net, base, code, name, { mine = false } = {}) {
  const args = ['node', '--server', base, '--room', code, '--data-dir', join(net.dir, name), '--name', name];
  if (mine) args.push('--mine', '--threads', '1');
  const proc = net.start(name, CHAINLAB, args);
  proc.member = () => proc.lines.map((l) => l.match(/joined the room as (\S+)/)?.[1]).find(Boolean);
  proc.tip = () => {
    for (let i = proc.lines.length - 1; i >= 0; i -= 1) {
      const m = proc.lines[i].match(/: tip (\d+) ([0-9a-f]{64})$/);
      if (m) return { height: Number(m[1]), hash: m[2] };
    }
    return { height: 0, hash: null };
  };
  proc.blocks = () => proc.lines
    .map((l) => l.match(/: block (\d+) ([0-9a-f]{64}) accepted at (\d+)$/))
    .filter(Boolean)
    .map((m) => ({ height: Number(m[1]), hash: m[2], received_at_ms: Number(m[3]) }));
  return proc;
}

/// `chainlab attack` against the room; resolves with its report lines once it ends.
/// `timeoutS` bounds each step; a coin-spending kind in a busy room waits for a
/// block the attacker wins against every other miner, which can take a while.
export async function attack(net, base, code, kinds, peers, timeoutS = 30) {
  const proc = net.start('attack', CHAINLAB, ['attack', '--server', base, '--room', code, '--kinds', kinds.join(','), '--peers', String(peers), '--timeout', String(timeoutS)]);
  const code_ = await proc.exited;
  if (code_ !== 0) throw new Error(`chainlab attack failed (${code_}): ${proc.errors.join('\n')}`);
  return proc.lines;
}

/// The tab's status (`{member, height, tip, balance, address, ...}`), or undefined
/// before the classroom page has loaded.
export const tabStatus = (page) => page.evaluate(() => window.__chainlab?.status());

/// Waits for `predicate(status)` on `page`, failing with what the tab last showed.
export async function waitStatus(page, predicate, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await tabStatus(page).catch(() => undefined);
    if (last && predicate(last)) return last;
    await page.waitForTimeout(200);
  }
  throw new Error(`${what}: not reached within ${timeout / 1000} s; last status ${JSON.stringify(last)}`);
}

/// Mines on `page` until its height reaches `height`, runs `during` (still mining),
/// then stops.
export async function mineTo(page, height, during = async () => {}) {
  const toggle = page.getByTestId('mine-toggle');
  await toggle.filter({ hasText: /Start mining|开始挖矿/ }).waitFor({ timeout: 30_000 });
  await toggle.click();
  try {
    await waitStatus(page, (s) => s.height >= height, `mining to height ${height}`, 60_000);
    await during();
  } finally {
    await toggle.click();
  }
  await toggle.filter({ hasText: /Start mining|开始挖矿/ }).waitFor();
}

/// Waits until every tab reports the same tip at `height` or above.
export async function converge(pages, height, what) {
  const deadline = Date.now() + 30_000;
  let tips = [];
  while (Date.now() < deadline) {
    // A tab that is reloading has no page to ask for a moment: poll it again.
    const all = await Promise.all(pages.map((page) => tabStatus(page).catch(() => undefined)));
    tips = all.map((s) => `${s?.height}:${s?.tip}`);
    if (all.every((s) => s && s.height >= height && s.tip === all[0].tip)) return all[0];
    await pages[0].waitForTimeout(250);
  }
  throw new Error(`${what}: the tabs did not converge on one tip; they show ${tips.join(', ')}`);
}

/// The blocks the tab accepted, with their arrival times.
export const tabBlocks = (page) => page.evaluate(() => window.__chainlab.blocks);
