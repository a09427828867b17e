// Placeholder until the runtime bootstrap lands: FERRY_TEST_NO_SERVICES=1 runs suites that need no services.
export default function setup(): void {
  if (process.env.FERRY_TEST_NO_SERVICES === '1') return;
}
