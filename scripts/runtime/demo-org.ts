// The demo org for `npm start`: ferry's Salesforce org emulator, seeded with a few thousand Accounts and
// Contacts that simulated users change now and then (about one change every two seconds). The emulator keeps
// its records in memory; with a state directory, every change is journaled there and replayed at the next
// start (demo-org-journal.ts), so a restarted demo org holds what ferry already synced into Postgres.
import { createEmulator } from '../../emulator/server';
import { attachJournal } from './demo-org-journal';

export interface DemoOrg {
  url: string;
  /** SF_* variables for the worker and API. */
  env: Record<string, string>;
  /** Journal entries replayed at start, and those that did not apply as recorded. */
  restored: { replayed: number; problems: string[] };
  stop(): Promise<void>;
}

export const DEMO_SEED = { Account: 3000, Contact: 5000 };

export async function startDemoOrg(port: number, stateDir?: string): Promise<DemoOrg> {
  let org;
  try {
    org = await createEmulator({ port, seed: DEMO_SEED });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`the demo org cannot listen on 127.0.0.1:${port} (FERRY_DEMO_ORG_PORT): ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`);
  }
  const journal = stateDir ? attachJournal(org, stateDir, DEMO_SEED) : undefined;
  org.admin.startMutating({ ratePerSecond: 0.5, objects: ['Account', 'Contact'] });
  const c = org.credentials;
  return {
    url: org.url,
    env: {
      SF_LOGIN_URL: org.url, SF_CLIENT_ID: c.clientId, SF_CLIENT_SECRET: c.clientSecret, SF_USERNAME: c.username, SF_PASSWORD: c.password,
      SF_PUBSUB_URL: org.pubsubUrl,
    },
    restored: { replayed: journal?.replayed ?? 0, problems: journal?.problems ?? [] },
    stop: async () => {
      await org.close();
      await journal?.close();
    },
  };
}
