// posthog-js in headless Chromium (playwright-core), on PAGE (a page of another origin than the gateway):
// pageview, capture, identify, group, reset(), and an event (and $pageleave) left in the queue that only
// the unload beacon can deliver. COMPRESSION=off sets disable_compression (plain JSON), else posthog-js gzips
// (the gateway offers gzip-js). Prints one JSON line: the distinct ids and the requests the page made.
import { chromium } from 'playwright-core';

const { CHROMIUM, PAGE, HOST, KEY, RUN, COMPRESSION } = process.env;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const context = await browser.newContext();
  const requests = [];
  context.on('request', (r) => {
    if (!r.url().startsWith(HOST)) return;
    const body = r.postDataBuffer();
    requests.push({ url: r.url(), type: r.resourceType(), method: r.method(),
      gzip: !!body && body.length > 2 && body[0] === 0x1f && body[1] === 0x8b });
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.error('page:', m.text()); });
  await page.goto(PAGE);
  const ids = await page.evaluate(async ({ host, key, run, compression }) => {
    const posthog = window.posthog;
    let pageview;
    const pageviewSent = new Promise((resolve) => { pageview = resolve; });
    await new Promise((resolve) => posthog.init(key, {
      api_host: host,
      disable_compression: compression === 'off',
      person_profiles: 'identified_only',
      disable_session_recording: true,
      autocapture: false,
      opt_out_useragent_filter: true, // headless Chromium is on posthog-js's bot list
      request_batching: true,
      // the initial $pageview is captured a moment after init: wait for it, so it is the anonymous user's
      before_send: (event) => { if (event.event === '$pageview') pageview(); return event; },
      loaded: (ph) => { ph.register({ run }); resolve(); },
    }));
    await pageviewSent;
    const anon = posthog.get_distinct_id();
    posthog.capture('clicked_buy', { sku: 'x1' });
    posthog.identify(`${run}-user`, { email: 'js@example.com' });
    posthog.group('company', 'acme', { employees: 40 });
    posthog.capture('after_identify');
    posthog.reset();
    posthog.register({ run });
    const afterReset = posthog.get_distinct_id();
    posthog.capture('after_reset');
    // give the batched queue its flush, then leave one event for the unload beacon
    await new Promise((r) => setTimeout(r, 4000));
    posthog.capture('before_unload');
    return { anon, afterReset };
  }, { host: HOST, key: KEY, run: RUN, compression: COMPRESSION });
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 1500));
  console.log(JSON.stringify({ ...ids, requests }));
} finally {
  await browser.close();
}
