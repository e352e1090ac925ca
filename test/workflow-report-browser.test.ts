import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium, type Browser } from './support/browser.js';
import { browserTestSkipReason } from './support/chromium.js';
import { must } from './support/complete-run.js';
import { T001_REPLY, T002_DIFF, twoTaskPlan, workspace, type Workspace } from './support/workflow-fixture.js';

/** Where the screenshots are kept for a person to look at (build-test/screenshots/). */
const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots');

/** Text from the spec, the planner, the executor and a reviewer that would run if it were markup. */
const HOSTILE = {
  spec: '<script>window.pwned = "spec"</script>',
  specImage: `<img src="https://example.invalid/x.png" onerror="window.pwned='spec-img'">`,
  plan: '<img src=x onerror="window.pwned=\'plan\'">',
  title: '<script>window.pwned = "title"</script>',
  patch: '// <script>window.pwned = "patch"</script>',
  reason: '</td><script>window.pwned = "reason"</script>',
  reviewer: '<b onmouseover="window.pwned=\'by\'">Eve</b>',
};

/**
 * A run whose every free-text field carries markup: T001 approved (its reply adds a <script> line
 * and needs repairs), T002 rejected with a hostile reason.
 */
async function hostileRun(ws: Workspace): Promise<string> {
  writeFileSync(path.join(ws.root, 'spec.md'), `# Greeting ${HOSTILE.spec}\n\nMake greet() default to "world". ${HOSTILE.specImage}\n`);
  const run = await ws.init();
  const plan = twoTaskPlan() as { summary: string; milestones: Array<{ tasks: Array<{ title: string }> }> };
  plan.summary = `${plan.summary} ${HOSTILE.plan}`;
  plan.milestones[0]!.tasks[0]!.title = `Default name ${HOSTILE.title}`;
  ws.fake.enqueueReply({ content: JSON.stringify(plan) });
  await must(ws.cli(['plan', '--run', run]), 'plan');
  await must(ws.cli(['approve-plan', '--run', run, '--by', HOSTILE.reviewer]), 'approve-plan');
  await must(ws.cli(['add-context', '--run', run, '--file', 'src/app.js']), 'add-context');
  ws.fake.enqueueReply({ content: T001_REPLY.replace('\n }\n```', `\n }\n+${HOSTILE.patch}\n\`\`\``) });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T001']), 'run-task T001');
  await must(ws.cli(['approve-task', '--run', run, '--task', 'T001', '--by', HOSTILE.reviewer]), 'approve-task T001');
  ws.fake.enqueueReply({ content: T002_DIFF });
  await must(ws.cli(['run-task', '--run', run, '--task', 'T002']), 'run-task T002');
  await must(ws.cli(['reject-task', '--run', run, '--task', 'T002', '--reason', HOSTILE.reason, '--by', 'Reviewer']), 'reject-task T002');
  return run;
}

/** The PNG's width and height from its IHDR chunk, after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.ok(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'a PNG signature');
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

// Skipped, never passed, on a machine without Chromium; scripts/run-tests.mjs says so at the end.
describe('report in real headless Chromium', { skip: browserTestSkipReason() ?? false }, () => {
  let ws: Workspace;
  let browser: Browser;
  let dir: string;
  let file: string;
  let html: string;

  before(async () => {
    ws = await workspace();
    const run = await hostileRun(ws);
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'llm-orchestrator-report-browser-')));
    file = path.join(dir, 'report.html');
    await must(ws.cli(['report', '--run', run, '--out', file]), 'report');
    html = readFileSync(file, 'utf8');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
    await ws?.close();
  });

  test('the hostile text is in the file only as escaped text', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<[a-z][^>]*\son[a-z]+=/i, 'no element carries an event handler');
    assert.ok(html.includes('&lt;script&gt;window.pwned = &quot;spec&quot;&lt;/script&gt;'));
    assert.ok(html.includes('&lt;/td&gt;&lt;script&gt;window.pwned = &quot;reason&quot;&lt;/script&gt;'));
  });

  test('it loads from file:// with no console error, no page error, no request beyond the file, and no script runs', async () => {
    const url = pathToFileURL(file).href;
    const requests: string[] = [];
    const problems: string[] = [];
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    // Anything but the file itself is recorded and refused, so a leak shows up and goes nowhere.
    await browser.context.route('**/*', async (route) => {
      const target = route.request().url();
      await (target === url || target.startsWith('data:') ? route.continue() : route.abort());
    });
    browser.context.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });

    const response = await page.goto(url, { waitUntil: 'load' });
    assert.ok(response === null || response.ok(), 'the file loads');
    await page.hover('text=Eve').catch(() => undefined); // the reviewer's name carried an onmouseover
    await page.waitForTimeout(300);

    assert.deepEqual(problems, []);
    assert.ok(requests.length > 0, 'the request listener saw the page load');
    assert.deepEqual(
      requests.filter((request) => request !== url && !request.startsWith('data:')),
      [],
      'no request leaves the file',
    );
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: string }).pwned ?? null), null, 'no injected script ran');
    const text = await page.locator('body').innerText();
    for (const shown of [HOSTILE.spec, HOSTILE.title, HOSTILE.reviewer, 'window.pwned = "patch"']) assert.ok(text.includes(shown), `shown as text: ${shown}`);
    await page.close();
  });

  test("the patch is laid out side by side with the report's styles, and the screenshot is a real picture", async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const sides = await page.locator('#task-T001 .d2h-file-side-diff').evaluateAll((elements) =>
      elements.map((element) => {
        const box = element.getBoundingClientRect();
        return { x: box.x, y: box.y, width: box.width };
      }),
    );
    assert.equal(sides.length, 2, 'an old and a new side');
    assert.equal(Math.round(sides[0]!.y), Math.round(sides[1]!.y), 'next to each other');
    assert.ok(sides[1]!.x >= sides[0]!.x + sides[0]!.width - 2 && sides[0]!.width > 300, JSON.stringify(sides));
    const banner = await page.locator('#task-T001 .banner.approved').evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.equal(banner, 'rgb(218, 251, 225)', 'the approved patch is marked in green');
    const added = await page.locator('#task-T001 .d2h-ins').first().evaluate((element) => getComputedStyle(element).backgroundColor);
    assert.notEqual(added, 'rgba(0, 0, 0, 0)', "diff2html's inlined stylesheet colours added lines");

    mkdirSync(SHOTS, { recursive: true });
    const full = await page.screenshot({ path: path.join(SHOTS, 'report.png'), fullPage: true });
    const size = pngSize(full);
    assert.equal(size.width, 1280);
    assert.ok(size.height > 900, `the whole page, taller than the viewport (${size.height})`);
    assert.ok(full.length > 50_000, `a page of content, not a blank picture (${full.length} bytes)`);
    const card = await page.locator('#task-T001').screenshot({ path: path.join(SHOTS, 'report-T001.png') });
    assert.ok(pngSize(card).width > 600 && card.length > 10_000);
    await page.close();
  });
});
