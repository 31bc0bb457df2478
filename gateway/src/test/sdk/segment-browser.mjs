// @segment/analytics-next in headless Chromium (playwright-core), on PAGE: a page of another origin than the
// gateway that loads the library as a site proxying Segment's CDN does (its snippet sets analytics._cdn to the
// site, which serves the standalone bundle, its chunks and the source settings; apiHost/protocol point the
// Segment.io destination at the gateway's /v1). The snippet buffers page(); once the library has replayed
// it, this script makes track(), identify() with traits, group() with traits, alias() and another track();
// with MODE=batching (a batch of six, a 60 s timer) it leaves one event in the batch buffer that only the
// keepalive flush on pagehide can deliver. Chromium resolves no host but the loopback ones, so a request
// meant for Segment's servers fails and shows up in `requests`. Prints one JSON line: the anonymous id, the
// referrer the page saw, the messages the library sent (from a source middleware of the page's snippet) and
// the requests the page made.
import { chromium } from 'playwright-core';

const { CHROMIUM, PAGE, REFERRER, RUN, MODE } = process.env;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'],
});
try {
  const context = await browser.newContext();
  const requests = [];
  context.on('request', (r) => {
    requests.push({ url: r.url(), method: r.method(), type: r.resourceType(), contentType: r.headers()['content-type'] ?? null,
      authorization: r.headers()['authorization'] ?? null, body: r.postData() });
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(PAGE, { referer: REFERRER });
  const seen = await page.evaluate(async ({ run, mode }) => {
    await Promise.race([new Promise((resolve) => window.analytics.ready(resolve)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('analytics-next did not load in 30 s')), 30000))]);
    const analytics = window.analytics; // the snippet's buffer is now the loaded library
    // the library replays the snippet's buffered page() in a task of its own, possibly after ready(); it stamps
    // the user id when it replays the call, so wait for it (the source middleware has seen it) before identify()
    const replayed = Date.now() + 30000;
    while (!(window.sent || []).some((m) => m.type === 'page')) {
      if (Date.now() > replayed) throw new Error('the snippet\'s page() was not replayed in 30 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const anon = analytics.user().anonymousId();
    await analytics.track('Product Viewed', { sku: 'x1', price: 9.5, run });
    await analytics.identify(`${run}-user`, { email: 'next@example.com', plan: 'pro' });
    await analytics.group(`${run}-acme`, { employees: 40, name: 'Acme' });
    // analytics-next stamps the current user id on every event of an identified visitor, alias() included:
    // alias(to, from) then links `from` (an id another system knows this person by) into the current user
    await analytics.alias(`${run}-user`, `${run}-crm`);
    await analytics.track('after_identify', { run });
    if (mode === 'batching') {
      // the six events above filled a batch (size 6); this one waits for a timer (60 s) the page does not
      // live to see, so only the flush on pagehide (a keepalive fetch) can deliver it
      await analytics.track('before_unload', { run });
    }
    return { anon, referrer: document.referrer, sent: window.sent };
  }, { run: RUN, mode: MODE });
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 1500));
  console.log(JSON.stringify({ ...seen, requests }));
} finally {
  await browser.close();
}
