// @segment/analytics-node against the gateway's /v1/batch: every call type, then closeAndFlush().
// GatewaySdkTest runs this with HOST, KEY and RUN, and checks the uuids made from these messageIds.
import { Analytics } from '@segment/analytics-node';

const { HOST, KEY, RUN } = process.env;
const analytics = new Analytics({ writeKey: KEY, host: HOST, flushAt: 100, flushInterval: 60000, maxRetries: 0 });
let failed = false;
analytics.on('error', (e) => { console.error('analytics-node error', e); failed = true; });
const anon = `${RUN}-anon`;
const user = `${RUN}-user`;
const id = (n) => `${RUN}-msg-${n}`;
analytics.page({ anonymousId: anon, messageId: id(1), name: 'Pricing', properties: { url: 'https://shop.example.com/pricing', path: '/pricing', title: 'Pricing' } });
analytics.track({ anonymousId: anon, messageId: id(2), event: 'Product Viewed', properties: { sku: 'x1' },
  context: { campaign: { source: 'news', medium: 'email', name: 'spring' }, ip: '203.0.113.9' } });
analytics.identify({ userId: user, anonymousId: anon, messageId: id(3), traits: { email: 'segment@example.com' } });
analytics.alias({ userId: user, previousId: `${RUN}-old`, messageId: id(4) });
analytics.group({ userId: user, groupId: 'acme', messageId: id(5), traits: { employees: 40 } });
analytics.screen({ userId: user, messageId: id(6), name: 'Home' });
await analytics.closeAndFlush({ timeout: 20000 });
if (failed) process.exit(1);
