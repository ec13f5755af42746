// Debian's Chromium driven by playwright-core (never a browser download). CI installs it (.ci/run);
// elsewhere browser tests are skipped, with a note, when it is absent.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is here (or must be: CI); warns that `testFile` is skipped when not. */
export function browserAvailable(testFile: string): boolean {
  const available = fs.existsSync(CHROMIUM) || Boolean(process.env.CI);
  if (!available) console.warn(`${testFile} skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
  return available;
}

/** Headless, and without the background traffic this machine's closed network would refuse. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
