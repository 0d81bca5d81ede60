// Embedding from another origin: docs/embed-example.html served as a course page on
// http://course.example.test frames every widget, fits each frame to the height the
// widget posts, and hears the progress a learner makes inside a custom element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BASE, launch, openPage, screenshot } from '../lib/browser.mjs';
import { ROOT, widgetNames } from '../lib/widgets.mjs';

const COURSE = 'http://course.example.test';
const LAB = new URL(BASE).origin;
/// The address the example page tells teachers to replace with their lab's.
const PLACEHOLDER = 'https://chainlab.example.org';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// A page whose every message from a frame is recorded, showing the example course page.
async function openCoursePage() {
  const page = await openPage(browser);
  const html = readFileSync(new URL('docs/embed-example.html', ROOT), 'utf8').replaceAll(PLACEHOLDER, LAB);
  await page.route(`${COURSE}/**`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.addInitScript(() => {
    window.__messages = [];
    window.addEventListener('message', (event) => {
      const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === event.source);
      window.__messages.push({ origin: event.origin, frame: frame?.id || frame?.closest('chainlab-widget')?.id, data: event.data });
    });
  });
  await page.goto(`${COURSE}/week-3.html`);
  return page;
}

/// Waits until the frame's height is the last height it posted and it shows no
/// vertical scrollbar; returns that height.
async function waitUntilFitted(page, frameElement, frameId) {
  let last;
  // A deadline, not a count: each frame cold-starts the whole app on a busy machine.
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const posted = await page.evaluate((id) => window.__messages.filter((m) => m.frame === id), frameId);
    const resize = posted.filter((m) => m.data?.type === 'chainlab:resize').at(-1);
    const box = await frameElement.boundingBox();
    const frame = await (await frameElement.elementHandle()).contentFrame();
    const overflow = frame && await frame.evaluate(() => document.documentElement.scrollHeight - innerHeight).catch(() => null);
    last = { resize: resize?.data, lti: posted.some((m) => m.data?.subject === 'lti.frameResize'), box, overflow, origins: posted.map((m) => m.origin) };
    if (resize && last.lti && Math.abs(box.height - Math.ceil(resize.data.height)) <= 1 && overflow !== null && overflow <= 1) {
      return last;
    }
    await page.waitForTimeout(100);
  }
  assert.fail(`${frameId} never fitted: ${JSON.stringify(last)}`);
}

test('the widget registry lists the first widgets', () => {
  const names = widgetNames();
  for (const name of ['sha256', 'avalanche', 'nonce-search', 'block']) {
    assert.ok(names.includes(name), `${name} is registered`);
  }
});

test('every widget embeds in a frame on another origin and fits it without a scrollbar', async () => {
  const page = await openCoursePage();
  for (const name of widgetNames()) {
    for (const lang of ['en', 'zh']) {
      const id = `probe-${name}-${lang}`;
      await page.evaluate(({ id, src }) => {
        const frame = document.createElement('iframe');
        Object.assign(frame, { id, src, title: id });
        frame.style.cssText = 'display:block;width:100%;height:150px;border:0';
        document.querySelector('main').append(frame);
      }, { id, src: `${LAB}/embed/${name}?lang=${lang}` });
      const element = page.locator(`#${id}`);
      await element.scrollIntoViewIfNeeded();
      const fitted = await waitUntilFitted(page, element, id);
      assert.ok(fitted.resize.height > 80 && fitted.resize.height < 4000, `${id}: plausible height ${fitted.resize.height}`);
      assert.ok(fitted.origins.every((origin) => origin === LAB), `${id}: messages come from the lab`);
      const frame = await (await element.elementHandle()).contentFrame();
      assert.equal(await frame.locator('main.embed').count(), 1, `${id} renders the embed page`);
      assert.equal(await frame.locator('.app-header').count(), 0, `${id} has no app chrome`);
      assert.equal(await frame.locator('[role="alert"]').count(), 0, `${id} shows no error`);
      assert.equal(await frame.evaluate(() => document.documentElement.lang), lang);
    }
  }
  await screenshot(page, 'embedding-every-widget');
  assert.deepEqual(page.problems, []);
});

test('the custom element builds the embed URL from its attributes and follows changes', async () => {
  const page = await openCoursePage();
  const element = page.locator('chainlab-widget#sha iframe');
  await element.waitFor();
  const attrs = await element.evaluate((f) => ({ src: f.src, title: f.title, loading: f.loading }));
  assert.equal(attrs.src, `${LAB}/embed/sha256?text=hello`);
  assert.equal(attrs.title, 'ChainLab: live SHA-256');
  assert.equal(attrs.loading, 'lazy');
  await waitUntilFitted(page, element, 'sha');

  await page.evaluate(() => document.getElementById('sha').setAttribute('text', 'world'));
  await page.waitForFunction(() => document.querySelector('#sha iframe').src.endsWith('text=world'));
  const digest = createHash('sha256').update('world').digest('hex');
  const frame = page.frameLocator('#sha iframe');
  await frame.getByTestId('sha256-output').filter({ hasText: digest.slice(0, 8) }).waitFor();
  await waitUntilFitted(page, element, 'sha');
  assert.deepEqual(page.problems, []);
});

test('completing a step in an embedded widget reaches the course page as an event', async () => {
  const page = await openCoursePage();
  const element = page.locator('chainlab-widget#search iframe');
  await element.scrollIntoViewIfNeeded();
  const frame = page.frameLocator('#search iframe');
  await frame.getByRole('button', { name: /Search/ }).click();
  await page.locator('#progress-log li', { hasText: 'nonce-search: nonce-found' }).waitFor({ timeout: 20000 });
  const progress = await page.evaluate(() => window.__messages.filter((m) => m.data?.type === 'chainlab:progress'));
  assert.deepEqual(progress[0], {
    origin: LAB,
    frame: 'search',
    data: { type: 'chainlab:progress', widget: 'nonce-search', event: 'nonce-found', lang: 'en' },
  });
  await screenshot(page, 'embedding-course-page');
  assert.deepEqual(page.problems, []);
});

test('a plain iframe with the documented listener fits too', async () => {
  const page = await openCoursePage();
  const element = page.locator('iframe#plain');
  await element.scrollIntoViewIfNeeded();
  await waitUntilFitted(page, element, 'plain');
  assert.deepEqual(page.problems, []);
});
