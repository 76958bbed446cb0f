// Renders the local-accounts sign-in page in real headless Firefox ESR (so the WebChannel
// answers and the form shows) for docs/screenshots/signin.png and signin-dark.png.
// Usage: npm run build && node --import tsx scripts/screenshot-fxa-page.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firefoxPrefs, launchFirefox, startFoxdenCli } from '../test/e2e/firefox-harness.js';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'foxden-shot-'));
  const foxden = await startFoxdenCli(path.join(tmp, 'data'));
  try {
    for (const [name, scheme] of [
      ['signin.png', 1],
      ['signin-dark.png', 0],
    ] as const) {
      const prefs = {
        ...(await firefoxPrefs(foxden.url)),
        'layout.css.prefers-color-scheme.content-override': scheme,
      };
      const browser = await launchFirefox(path.join(tmp, name), prefs);
      try {
        const page = await browser.newPage();
        await page.setViewport({ width: 880, height: 700 });
        await page.goto(foxden.url);
        await page.waitForSelector('body[data-state="account"]', { timeout: 20_000 });
        await page.type('#email', 'anna@home.example');
        await page.type('#password', 'not-a-real-password');
        await page.evaluate('document.activeElement.blur()');
        fs.mkdirSync(OUT, { recursive: true });
        await page.screenshot({ path: path.join(OUT, name) });
      } finally {
        await browser.close();
      }
    }
  } finally {
    await foxden.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
