// Who may change a repository's settings in the stand-in: its administrators (settings.ts and
// environments.ts), with GitHub's 403 for anyone else.
import { HttpError } from './errors.js';
import type { RouteContext } from './handler.js';
import type { Identity } from './types.js';

/** GitHub's answer when the token may read the repository but not administer it. */
export function requireAdmin(c: RouteContext): void {
  const admins = c.store.options.administrators;
  if (admins === undefined) return;
  if (admins.some((login) => login.toLowerCase() === c.identity.login.toLowerCase())) return;
  throw new HttpError(403, {
    message: isApp(c.identity)
      ? 'Resource not accessible by integration'
      : 'Must have admin rights to Repository.',
  });
}

function isApp(identity: Identity): boolean {
  return identity.type === 'Bot';
}
