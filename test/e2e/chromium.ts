import type { Browser } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium): the GUI tests and scripts/render-icons.ts use it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, and quiet: no GPU, no first-run, sync, update or background traffic. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Chromium through playwright-core, loaded only when a browser is really wanted. */
export async function launchChromium(executablePath: string = CHROMIUM): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
