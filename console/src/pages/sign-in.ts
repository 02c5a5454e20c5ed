import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { roleOf, session, type Role } from '../api';
import { completeHostedSignIn, startHostedSignIn, type SignInConfig } from '../sign-in-config';
import { FormError } from '../ui';

/**
 * Sign-in. Locally: the bearer token of a role (OPS_TOKEN or INSTALLER_TOKEN) typed in.
 * On AWS: the Cognito hosted sign-in (password and second factor there), back here with a code.
 * Either way the token is kept for this tab only.
 */
export function SignIn(props: { config: SignInConfig; onSignedIn: (role: Role) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const signInWith = async (bearer: string) => {
    const role = await roleOf(bearer);
    session.save(bearer, role);
    props.onSignedIn(role);
  };
  const { config } = props;

  useEffect(() => {
    if (config.signIn !== 'cognito') return;
    setBusy(true);
    completeHostedSignIn(config)
      .then((accessToken) => (accessToken ? signInWith(accessToken) : undefined))
      .catch(setError)
      .finally(() => setBusy(false));
  }, [config]);

  if (config.signIn === 'cognito') {
    return html`<main id="main" class="sign-in">
      <h1>Sign in</h1>
      <p>Installers and operators sign in with their account (password and a one-time code).</p>
      <${FormError} error=${error} />
      <button type="button" disabled=${busy} onClick=${() => startHostedSignIn(config).catch(setError)}>Sign in</button>
    </main>`;
  }

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await signInWith(token.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="sign-in">
    <h1>Sign in</h1>
    <form onSubmit=${submit}>
      <div class="field">
        <label for="token">Access token</label>
        <p class="hint" id="token-hint">An operator's or an installer's bearer token. It is kept in this tab only.</p>
        <input
          id="token"
          type="password"
          autocomplete="current-password"
          required
          aria-describedby="token-hint"
          value=${token}
          onInput=${(event: Event) => setToken((event.target as HTMLInputElement).value)}
        />
      </div>
      <${FormError} error=${error} />
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}
