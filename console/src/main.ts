/**
 * The console: the Installer Panel and the operators' dashboard. Pages are chosen by the URL's
 * fragment (`#/sessions/<id>`), so one static page serves them all; the token never enters a URL.
 */
import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { session, type Role } from './api';
import { hostedSignOutUrl, loadSignInConfig, type SignInConfig } from './sign-in-config';
import { SignIn } from './pages/sign-in';
import { Overview } from './pages/overview';
import { Sessions } from './pages/sessions';
import { SessionPage } from './pages/session';
import { Sites } from './pages/sites';
import { Stations } from './pages/stations';
import { Readers } from './pages/readers';
import { Reconciliation } from './pages/reconciliation';

interface Page {
  readonly path: string;
  readonly title: string;
  readonly roles: readonly Role[];
}

const PAGES: readonly Page[] = [
  { path: '#/', title: 'Overview', roles: ['operator'] },
  { path: '#/sessions', title: 'Sessions', roles: ['operator'] },
  { path: '#/sites', title: 'Sites', roles: ['installer', 'operator'] },
  { path: '#/stations', title: 'Stations', roles: ['installer', 'operator'] },
  { path: '#/readers', title: 'Readers', roles: ['installer', 'operator'] },
  { path: '#/reconciliation', title: 'Reconciliation', roles: ['operator'] },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/');
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function App(props: { config: SignInConfig }) {
  const [role, setRole] = useState<Role | null>(session.role());
  const hash = useHash();
  if (!role || !session.token()) return html`<${SignIn} config=${props.config} onSignedIn=${setRole} />`;

  const signOut = () => {
    session.clear();
    // On AWS the hosted sign-in's own session ends too, or the next sign-in would skip the password.
    if (props.config.signIn === 'cognito') location.assign(hostedSignOutUrl(props.config));
    else setRole(null);
  };
  const home = role === 'operator' ? '#/' : '#/sites';
  const path = hash === '#/' && role !== 'operator' ? home : hash;
  const sessionMatch = /^#\/sessions\/([^/?]+)$/.exec(path);
  let page;
  if (sessionMatch) page = html`<${SessionPage} sessionId=${decodeURIComponent(sessionMatch[1]!)} />`;
  else if (path === '#/sessions') page = html`<${Sessions} />`;
  else if (path === '#/sites') page = html`<${Sites} />`;
  else if (path === '#/stations') page = html`<${Stations} />`;
  else if (path === '#/readers') page = html`<${Readers} />`;
  else if (path === '#/reconciliation' && role === 'operator') page = html`<${Reconciliation} />`;
  else page = html`<${Overview} />`;
  const current = sessionMatch ? '#/sessions' : path;

  return html`<header class="top">
      <a class="brand" href=${home}>EV charging console</a>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.filter((p) => p.roles.includes(role)).map(
            (p) => html`<li><a href=${p.path} aria-current=${current === p.path ? 'page' : undefined}>${p.title}</a></li>`,
          )}
        </ul>
      </nav>
      <p class="who">Signed in as <strong>${role}</strong> <button type="button" class="link" onClick=${signOut}>Sign out</button></p>
    </header>
    <main id="main">${page}</main>`;
}

const root = document.getElementById('app')!;
loadSignInConfig().then(
  (config) => render(html`<${App} config=${config} />`, root),
  (error: Error) => render(html`<main id="main"><div class="alert error" role="alert"><p>${error.message}</p></div></main>`, root),
);
