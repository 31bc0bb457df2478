// @rudderstack/rudder-sdk-node against the gateway's /v1/batch (gzip, its default): every call type, then flush().
// GatewaySdkTest runs this with HOST, KEY and RUN, and checks the uuids made from these messageIds.
import Analytics from '@rudderstack/rudder-sdk-node';

const { HOST, KEY, RUN } = process.env;
const client = new Analytics(KEY, { dataPlaneUrl: HOST, flushAt: 100, flushInterval: 60000, retryCount: 0,
  errorHandler: (e) => { console.error('rudder error', e); process.exitCode = 1; } });
const anon = `${RUN}-anon`;
const user = `${RUN}-user`;
const id = (n) => `${RUN}-msg-${n}`;
client.page({ anonymousId: anon, messageId: id(1), name: 'Pricing', properties: { url: 'https://shop.example.com/pricing' } });
client.track({ anonymousId: anon, messageId: id(2), event: 'Product Viewed', properties: { sku: 'x1' } });
client.identify({ userId: user, anonymousId: anon, messageId: id(3), traits: { email: 'rudder@example.com' } });
client.alias({ userId: user, previousId: `${RUN}-old`, messageId: id(4) });
client.group({ userId: user, groupId: 'acme', messageId: id(5), traits: { employees: 40 } });
client.screen({ userId: user, messageId: id(6), name: 'Home' });
await new Promise((resolve, reject) => client.flush((err) => (err ? reject(err) : resolve())));
