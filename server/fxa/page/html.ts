/**
 * The sign-in page's HTML shell. Everything dynamic travels in data- attributes and every
 * behaviour lives in the bundled script, so the page works under `script-src 'self'` and
 * `style-src 'self'` with no inline code (fxa-local.md §7).
 */

export type PageView = 'signin' | 'info' | 'account';

export interface PageModel {
  view: PageView;
  /** Foxden's configured public URL (ends with "/"); the page compares its own origin with it. */
  publicUrl: string;
  allowNewUsers: boolean;
  /** `[auth] backend = ldap` (issue 14): people sign in with the household directory's password. */
  directory?: boolean;
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

/**
 * The directory's sign-in (issue 14 item 3): a name or address and the directory password,
 * and, when that password changed since the last sign-in here, the previous one once.
 */
function directoryFields(plainHttp: boolean): string {
  return `
    <p class="note">Sign in with the name (or e-mail address) and password you use for the household's other services.</p>
    <label for="email">Name or e-mail</label>
    <input id="email" name="email" type="text" autocomplete="username" required spellcheck="false" autocapitalize="off">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <div id="previous-row" hidden>
      <p class="note">Your directory password changed since you last signed in here. Type your previous password once: Firefox re-wraps your sync key with the new one, so everything you synced stays readable.</p>
      <label for="previous-password">Previous password</label>
      <input id="previous-password" name="previous-password" type="password" autocomplete="off">
      <p class="hint">Forgotten it? <button id="reset-start" type="button" class="plain">Start over with new keys</button></p>
      <div id="reset-confirm" class="confirm" hidden>
        <p>Starting over makes everything this account synced so far unreadable on this server. Each computer keeps what it has, and each Firefox uploads its own again once it is signed in with the new password. Start over?</p>
        <button id="reset-yes" type="button" class="danger">Yes, start over with new keys</button>
        <button id="reset-no" type="button" class="plain">Cancel</button>
      </div>
    </div>
    <p class="hint">This page sends your password to this Foxden server, which checks it with the directory and does not keep it.${
      plainHttp
        ? ' This server uses plain http, so the password crosses the network unencrypted: ask its owner to switch it to https.'
        : ''
    }</p>`;
}

function ownAccountFields(): string {
  return `
    <label for="email">E-mail</label>
    <input id="email" name="email" type="email" autocomplete="username" required spellcheck="false" autocapitalize="off">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required minlength="8">`;
}

function signInBody(model: PageModel): string {
  const root = model.publicUrl.endsWith('/') ? model.publicUrl.slice(0, -1) : model.publicUrl;
  const plainHttp = root.startsWith('http:');
  const signups = model.allowNewUsers && !model.directory;
  return `
<section id="working" class="panel" aria-live="polite">
  <p class="muted"><span class="spinner" aria-hidden="true"></span> Talking to Firefox…</p>
</section>

<section id="account" class="panel" hidden>
  <div class="tabs" role="tablist" id="tabs">
    <button type="button" role="tab" id="tab-signin" aria-selected="true" data-mode="signin">Sign in</button>
    <button type="button" role="tab" id="tab-signup" aria-selected="false" data-mode="signup"${signups ? '' : ' hidden'}>Create account</button>
  </div>
  <form id="account-form" novalidate>
    <p id="signed-in-note" class="note" hidden></p>${model.directory ? directoryFields(plainHttp) : ownAccountFields()}
    <div id="confirm-row" hidden>
      <label for="password-confirm">Repeat the password</label>
      <input id="password-confirm" name="password-confirm" type="password" autocomplete="new-password" minlength="8">
      <p class="hint">At least 8 characters. Foxden never sees it: your Firefox derives the keys that encrypt your data from it, so a forgotten password means starting over.</p>
    </div>
    <p id="error" class="error" role="alert" hidden></p>
    <button id="submit" type="submit" class="primary">Sign in</button>
    <p id="progress" class="muted" role="status"></p>
  </form>
  <p id="closed-note" class="muted small"${model.allowNewUsers || model.directory ? ' hidden' : ''}>New accounts are switched off on this server. Ask whoever runs Foxden to allow sign-ups.</p>
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

function infoBody(model: PageModel): string {
  const root = model.publicUrl.endsWith('/') ? model.publicUrl : `${model.publicUrl}/`;
  return `
<section class="panel">
  <h2>Not on this server</h2>
  <p>This Foxden server keeps accounts simple: no profile pictures and no pairing of phones.
  Your password, devices and account are on <a href="${escapeHtml(root)}settings">your account page</a>.</p>
</section>`;
}

/** The account page (settings): its script shows one section at a time (account/main.ts). */
function accountBody(): string {
  return `
<section id="working" class="panel" aria-live="polite">
  <p class="muted"><span class="spinner" aria-hidden="true"></span> Looking for your account…</p>
</section>

<section id="signin" class="panel" hidden>
  <p id="signin-note" class="note" hidden></p>
  <form id="signin-form" novalidate>
    <label for="signin-email">E-mail</label>
    <input id="signin-email" name="email" type="email" autocomplete="username" required spellcheck="false" autocapitalize="off">
    <label for="signin-password">Password</label>
    <input id="signin-password" name="password" type="password" autocomplete="current-password" required>
    <p id="signin-error" class="error" role="alert" hidden></p>
    <button id="signin-submit" type="submit" class="primary">Sign in to manage your account</button>
    <p id="signin-progress" class="muted progress" role="status"></p>
  </form>
  <p class="muted small">This signs in only this page. To sync a Firefox, use its Settings → Sync.</p>
</section>

<section id="manage" class="panel" hidden>
  <p class="note">Signed in as <strong id="manage-email"></strong><span id="manage-firefox" hidden> in this Firefox</span>.</p>
  <p id="result" class="result" role="status" aria-live="polite"></p>

  <section class="group" aria-labelledby="devices-title">
    <h2 id="devices-title" tabindex="-1">Devices</h2>
    <p class="muted small">Removing a device signs it out: that Firefox asks for the password again the next time it talks to Foxden, and keeps what it has locally.</p>
    <ul id="device-list" class="devices"></ul>
    <p id="devices-empty" class="muted small" hidden>No Firefox is signed in to this account.</p>
    <p id="devices-error" class="error" role="alert" hidden></p>
  </section>

  <section class="group" aria-labelledby="password-title">
    <h2 id="password-title">Change password</h2>
    <form id="password-form" novalidate>
      <label for="old-password">Current password</label>
      <input id="old-password" name="old-password" type="password" autocomplete="current-password" required>
      <label for="new-password">New password</label>
      <input id="new-password" name="new-password" type="password" autocomplete="new-password" required minlength="8">
      <label for="new-password-confirm">Repeat the new password</label>
      <input id="new-password-confirm" name="new-password-confirm" type="password" autocomplete="new-password" required minlength="8">
      <p class="hint">At least 8 characters. Your synced data stays readable: your Firefox re-wraps the same sync key with the new password. This Firefox stays signed in; the others ask for the new password.</p>
      <p id="password-error" class="error" role="alert" hidden></p>
      <button id="password-submit" type="submit" class="primary">Change password</button>
      <p id="password-progress" class="muted progress" role="status"></p>
    </form>
  </section>

  <section class="group" aria-labelledby="everywhere-title">
    <h2 id="everywhere-title">Sign out everywhere</h2>
    <p class="muted small">Every Firefox signed in to this account, this one too, is signed out and asks for the password again. Nothing is deleted.</p>
    <p id="everywhere-error" class="error" role="alert" hidden></p>
    <button id="everywhere" type="button" class="secondary">Sign out everywhere</button>
    <div id="everywhere-confirm" class="confirm" hidden>
      <p>Sign out every Firefox, this one too?</p>
      <button id="everywhere-yes" type="button" class="secondary">Yes, sign out everywhere</button>
      <button id="everywhere-no" type="button" class="plain">Cancel</button>
    </div>
  </section>

  <section class="group danger-zone" aria-labelledby="delete-title">
    <h2 id="delete-title">Delete account</h2>
    <p class="small">Everything this account synced to this Foxden server is deleted: bookmarks, history, passwords, open tabs and the rest. Every other Firefox signed in to it is signed out. Each Firefox keeps what it already has on its own computer. This cannot be undone.</p>
    <form id="delete-form" novalidate>
      <label for="delete-password">Password, to confirm</label>
      <input id="delete-password" name="delete-password" type="password" autocomplete="current-password" required>
      <p id="delete-error" class="error" role="alert" hidden></p>
      <button id="delete-submit" type="submit" class="danger">Delete account and its synced data</button>
    </form>
  </section>

  <p class="center"><button id="page-signout" type="button" class="plain" hidden>Sign this page out</button></p>
</section>

<section id="ended" class="panel" hidden>
  <h2 id="ended-title" tabindex="-1"></h2>
  <p id="ended-text"></p>
</section>`;
}

function bodyOf(model: PageModel): string {
  if (model.view === 'info') return infoBody(model);
  if (model.view === 'account') return accountBody();
  return signInBody(model);
}

const TITLES: Record<PageView, string> = {
  signin: 'Sign in to Foxden',
  info: 'Foxden account',
  account: 'Your Foxden account',
};

export function renderPage(model: PageModel): string {
  const title = TITLES[model.view];
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
<body data-view="${model.view}" data-public-url="${escapeHtml(model.publicUrl)}" data-allow-new-users="${model.allowNewUsers && !model.directory}" data-directory="${model.directory === true}">
<main class="card">
  <header class="brand">${LOGO}
    <div><h1>${title}</h1><p class="muted">Sync this Firefox with your household's own server.</p></div>
  </header>
  ${bodyOf(model)}
</main>
<footer class="foot muted small">Foxden · your bookmarks, passwords and tabs stay encrypted with a key only your Firefox knows.</footer>
</body>
</html>`;
}
