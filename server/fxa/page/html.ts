/**
 * The sign-in page's HTML shell. Everything dynamic travels in data- attributes and every
 * behaviour lives in the bundled script, so the page works under `script-src 'self'` and
 * `style-src 'self'` with no inline code (fxa-local.md §7).
 */

export type PageView = 'signin' | 'info';

export interface PageModel {
  view: PageView;
  /** Foxden's configured public URL (ends with "/"); the page compares its own origin with it. */
  publicUrl: string;
  allowNewUsers: boolean;
  assetBase: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const LOGO = `<svg class="logo" viewBox="0 0 64 64" aria-hidden="true" focusable="false">
  <path class="logo-fur" d="M10 12 L24 26 Q32 22 40 26 L54 12 L52 34 Q50 50 32 56 Q14 50 12 34 Z"/>
  <path class="logo-face" d="M20 36 Q32 30 44 36 Q40 48 32 50 Q24 48 20 36 Z"/>
  <circle class="logo-eye" cx="25" cy="33" r="2.4"/><circle class="logo-eye" cx="39" cy="33" r="2.4"/>
  <circle class="logo-eye" cx="32" cy="45" r="2"/>
</svg>`;

function signInBody(model: PageModel): string {
  const root = model.publicUrl.endsWith('/') ? model.publicUrl.slice(0, -1) : model.publicUrl;
  const plainHttp = root.startsWith('http:');
  return `
<section id="working" class="panel" aria-live="polite">
  <p class="muted"><span class="spinner" aria-hidden="true"></span> Talking to Firefox…</p>
</section>

<section id="account" class="panel" hidden>
  <div class="tabs" role="tablist" id="tabs">
    <button type="button" role="tab" id="tab-signin" aria-selected="true" data-mode="signin">Sign in</button>
    <button type="button" role="tab" id="tab-signup" aria-selected="false" data-mode="signup"${model.allowNewUsers ? '' : ' hidden'}>Create account</button>
  </div>
  <form id="account-form" novalidate>
    <p id="signed-in-note" class="note" hidden></p>
    <label for="email">E-mail</label>
    <input id="email" name="email" type="email" autocomplete="username" required spellcheck="false" autocapitalize="off">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required minlength="8">
    <div id="confirm-row" hidden>
      <label for="password-confirm">Repeat the password</label>
      <input id="password-confirm" name="password-confirm" type="password" autocomplete="new-password" minlength="8">
      <p class="hint">At least 8 characters. Foxden never sees it: your Firefox derives the keys that encrypt your data from it, so a forgotten password means starting over.</p>
    </div>
    <p id="error" class="error" role="alert" hidden></p>
    <button id="submit" type="submit" class="primary">Sign in</button>
    <p id="progress" class="muted" role="status"></p>
  </form>
  <p id="closed-note" class="muted small"${model.allowNewUsers ? ' hidden' : ''}>New accounts are switched off on this server. Ask whoever runs Foxden to allow sign-ups.</p>
</section>

<section id="done" class="panel" hidden>
  <h2>You're syncing</h2>
  <p>Firefox is signed in as <strong id="done-email"></strong> and has started its first sync with this Foxden server. You can close this tab.</p>
</section>

<section id="setup" class="panel" hidden>
  <h2>Firefox is not set up for this server yet</h2>
  <p id="setup-reason" class="muted"></p>
  <ol class="steps">
    <li>Sign out of any Mozilla account in this Firefox (Settings → Sync → Sign out).</li>
    <li>Open <code>about:config</code> in a new tab and accept the warning.</li>
    <li>Set <code>identity.fxaccounts.autoconfig.uri</code> to <code class="copy">${escapeHtml(root)}</code>.</li>
    ${plainHttp ? '<li>Create the boolean <code>identity.fxaccounts.allowHttp</code> and set it to <code>true</code> (this server uses plain http).</li>' : ''}
    <li>Restart Firefox, then click <strong>Sign in</strong> in Settings → Sync. Firefox opens this page at <code>${escapeHtml(root)}/</code>.</li>
  </ol>
  <p class="muted small">Leave <code>identity.sync.tokenserver.uri</code> alone: Firefox fills it in from this server.</p>
</section>`;
}

function infoBody(): string {
  return `
<section class="panel">
  <h2>Nothing to manage here</h2>
  <p>This Foxden server keeps accounts simple: no profile pictures, devices list or account settings on the web.
  To sign out, use Firefox's Settings → Sync. To reset a password or delete an account, ask whoever runs Foxden (its dashboard has both).</p>
</section>`;
}

export function renderPage(model: PageModel): string {
  const title = model.view === 'info' ? 'Foxden account' : 'Sign in to Foxden';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${model.assetBase}signin.css">
<script type="module" src="${model.assetBase}signin.js"></script>
</head>
<body data-view="${model.view}" data-public-url="${escapeHtml(model.publicUrl)}" data-allow-new-users="${model.allowNewUsers}">
<main class="card">
  <header class="brand">${LOGO}
    <div><h1>${title}</h1><p class="muted">Sync this Firefox with your household's own server.</p></div>
  </header>
  ${model.view === 'info' ? infoBody() : signInBody(model)}
</main>
<footer class="foot muted small">Foxden · your bookmarks, passwords and tabs stay encrypted with a key only your Firefox knows.</footer>
</body>
</html>`;
}
