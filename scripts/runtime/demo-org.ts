// The demo org for `npm start`: ferry's Salesforce org emulator, seeded with a few thousand Accounts and
// Contacts that simulated users change now and then. Returns undefined while no emulator is available.
export interface DemoOrg {
  url: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDemoOrg(_dataDir: string): Promise<DemoOrg | undefined> {
  return undefined;
}
