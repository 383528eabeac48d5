// What an App installation token minted with `permission-*` inputs may do in the stand-in: only
// what it was minted with, as on GitHub (a 403 otherwise).
import { HttpError } from './errors.js';
import type { Identity } from './types.js';

/**
 * GitHub's 403 for an installation token minted without the permission an operation needs
 * (`permissions` of the identity; an identity without it is not restricted here).
 */
export function requirePermission(identity: Identity, name: string, level: 'read' | 'write'): void {
  const has = identity.permissions?.[name];
  if (!identity.permissions || has === 'write' || has === level) return;
  throw new HttpError(403, { message: 'Resource not accessible by integration' });
}
