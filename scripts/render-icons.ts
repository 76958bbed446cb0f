/**
 * Renders the app icon (assets/fox.svg) and the tray icons to PNG with headless Chromium,
 * transparent backgrounds throughout. Run after changing any artwork:
 *
 *   node --import tsx scripts/render-icons.ts [--chromium /usr/bin/chromium]
 *
 * Output (committed, so packaging needs no browser):
 *   assets/icon.png                       1024 px, electron-builder derives .icns/.ico from it
 *   assets/icons/<n>x<n>.png              16…1024 px, the Linux icon set
 *   assets/tray/tray-<state>.png (+@2x)   coloured tray icons, Windows and Linux
 *   assets/tray/tray-<state>Template.png (+@2x)  macOS template images: black + alpha only
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, launchChromium } from '../test/e2e/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const assets = path.join(root, 'assets');

const APP_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];
const TRAY_SIZE = 16;
const STATES = ['running', 'stopped', 'warning'] as const;
type State = (typeof STATES)[number];

/** The fox silhouette of the app icon, with the eyes cut out so it still reads at 16 px. */
const SILHOUETTE =
  'M512 910 L128 470 L168 112 L404 318 L620 318 L856 112 L896 470 Z ' +
  'M336 540 L424 556 L352 590 Z M688 540 L600 556 L672 590 Z';

const BADGE = { cx: 790, cy: 790, r: 200, gap: 80 };

function badgeCutout(): string {
  return `<mask id="cut"><rect width="1024" height="1024" fill="#fff"/><circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r + BADGE.gap}" fill="#000"/></mask>`;
}

/** A triangle with an exclamation mark; `mark` is the colour of the mark (or a cut-out). */
function warningBadge(fill: string, markAsHole: boolean, mark = '#2B1D16'): string {
  const { cx, cy, r } = BADGE;
  const top = cy - r * 1.05;
  const bottom = cy + r * 0.8;
  const half = r * 1.1;
  const triangle = `M${cx} ${top} L${cx + half} ${bottom} L${cx - half} ${bottom} Z`;
  const bar = `M${cx - 26} ${cy - r * 0.55} h52 v${r * 0.75} h-52 Z`;
  const dot = `M${cx - 26} ${cy + r * 0.32} h52 v52 h-52 Z`;
  if (markAsHole) return `<path fill="${fill}" fill-rule="evenodd" d="${triangle} ${bar} ${dot}"/>`;
  return `<path fill="${fill}" d="${triangle}"/><path fill="${mark}" d="${bar} ${dot}"/>`;
}

export function traySvg(state: State, template: boolean): string {
  const orange = '#E8590C';
  let body: string;
  if (template) {
    // macOS tints template images itself; only alpha carries meaning.
    if (state === 'running') {
      body = `${badgeCutout()}<path mask="url(#cut)" fill="#000" fill-rule="evenodd" d="${SILHOUETTE}"/><circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r * 0.8}" fill="#000"/>`;
    } else if (state === 'stopped') {
      body = `<path fill="#000" fill-opacity="0.45" fill-rule="evenodd" d="${SILHOUETTE}"/>`;
    } else {
      body = `${badgeCutout()}<path mask="url(#cut)" fill="#000" fill-rule="evenodd" d="${SILHOUETTE}"/>${warningBadge('#000', true)}`;
    }
  } else if (state === 'running') {
    body = `${badgeCutout()}<path mask="url(#cut)" fill="${orange}" fill-rule="evenodd" d="${SILHOUETTE}"/><circle cx="${BADGE.cx}" cy="${BADGE.cy}" r="${BADGE.r * 0.9}" fill="#2FB344"/>`;
  } else if (state === 'stopped') {
    body = `<path fill="#8C8C8C" fill-rule="evenodd" d="${SILHOUETTE}"/>`;
  } else {
    body = `${badgeCutout()}<path mask="url(#cut)" fill="${orange}" fill-rule="evenodd" d="${SILHOUETTE}"/>${warningBadge('#F5B700', false)}`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1024 1024">${body}</svg>`;
}

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--chromium');
  const executablePath = flag >= 0 ? process.argv[flag + 1] : (process.env.CHROMIUM_PATH ?? CHROMIUM);
  if (!executablePath || !fs.existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}; install it (apt-get install chromium) or pass --chromium PATH.`,
    );
  }
  const browser = await launchChromium(executablePath);
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    const render = async (svg: string, size: number, file: string) => {
      const sized = svg.replace('<svg ', `<svg width="${size}" height="${size}" `);
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><html><head><style>html,body{margin:0;background:transparent}svg{display:block}</style></head><body>${sized}</body></html>`,
      );
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({
        path: file,
        omitBackground: true,
        clip: { x: 0, y: 0, width: size, height: size },
      });
      console.log(path.relative(root, file));
    };

    const appSvg = fs.readFileSync(path.join(assets, 'fox.svg'), 'utf8');
    for (const size of APP_SIZES)
      await render(appSvg, size, path.join(assets, 'icons', `${size}x${size}.png`));
    await render(appSvg, 1024, path.join(assets, 'icon.png'));

    for (const state of STATES) {
      for (const template of [false, true]) {
        const base = `tray-${state}${template ? 'Template' : ''}`;
        const svg = traySvg(state, template);
        await render(svg, TRAY_SIZE, path.join(assets, 'tray', `${base}.png`));
        await render(svg, TRAY_SIZE * 2, path.join(assets, 'tray', `${base}@2x.png`));
      }
    }
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
