import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { roleOf, session, type Role } from '../api';
import { FormError } from '../ui';

/** The bearer token of a role (locally OPS_TOKEN or INSTALLER_ONLY_TOKEN), kept for this tab only. */
export function SignIn(props: { onSignedIn: (role: Role) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const role = await roleOf(token.trim());
      session.save(token.trim(), role);
      props.onSignedIn(role);
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
