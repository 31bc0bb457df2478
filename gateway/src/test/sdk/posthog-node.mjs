// posthog-node as a backend uses it: capture, identify, groups, alias; then shutdown() flushes.
// GatewaySdkTest runs this with HOST, KEY and RUN (a prefix that makes the distinct ids unique).
import { PostHog } from 'posthog-node';

const { HOST, KEY, RUN } = process.env;
const client = new PostHog(KEY, { host: HOST, flushAt: 100, flushInterval: 0, fetchRetryCount: 0 });
client.on('error', (e) => { console.error('posthog-node error', e); process.exitCode = 1; });
const anon = `${RUN}-anon`;
const user = `${RUN}-user`;
client.capture({ distinctId: anon, event: '$pageview', uuid: process.env.UUID1, properties: { $current_url: 'https://shop.example.com/' } });
client.identify({ distinctId: user, properties: { $anon_distinct_id: anon, email: 'node@example.com' } });
client.capture({ distinctId: user, event: 'order_completed', uuid: process.env.UUID2, properties: { revenue: 12 }, groups: { company: 'acme' } });
client.groupIdentify({ groupType: 'company', groupKey: 'acme', properties: { employees: 40 }, distinctId: user });
client.alias({ distinctId: user, alias: `${RUN}-alias` });
await client.shutdown();
