// The demo org for `npm start`: ferry's Salesforce org emulator, seeded with a few thousand Accounts and
// Contacts that simulated users change now and then (about one change every two seconds). The emulator keeps
// its records in memory; the seed is deterministic, so a restart brings back the same records (changes made
// during the previous run are not kept).
import { createEmulator } from '../../emulator/server';

export interface DemoOrg {
  url: string;
  /** SF_* variables for the worker and API. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoOrg(port: number): Promise<DemoOrg> {
  const org = await createEmulator({ port, seed: { Account: 3000, Contact: 5000 } });
  org.admin.startMutating({ ratePerSecond: 0.5, objects: ['Account', 'Contact'] });
  const c = org.credentials;
  return {
    url: org.url,
    env: {
      SF_LOGIN_URL: org.url, SF_CLIENT_ID: c.clientId, SF_CLIENT_SECRET: c.clientSecret, SF_USERNAME: c.username, SF_PASSWORD: c.password,
      SF_PUBSUB_URL: org.pubsubUrl,
    },
    stop: () => org.close(),
  };
}
