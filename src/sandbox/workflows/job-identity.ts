// Who a job is, as GitHub tells others: the permissions of its GITHUB_TOKEN and the workflow file
// that runs it (`job_workflow_ref`, in its OIDC token and so in the Fulcio certificate of an
// attestation).
//
// Permissions (https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token):
// `permissions:` of the job, else of the workflow; "If you specify the access for any of these
// permissions, all of those that are not specified are set to none". A called workflow's jobs get at
// most what the calling job has (docs "Reuse workflows": permissions can only be downgraded), so a
// called workflow that declares none inherits the caller's. `id-token` is `none` in both default
// token settings: an OIDC token (which the attest actions need) always takes `id-token: write`.
//
// job_workflow_ref (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect):
// `owner/repo/path/to/workflow.yml@ref` of the file the job is defined in: for a called reusable
// workflow the called file with the ref its caller wrote (`refs/heads/x`, `refs/tags/x` or a SHA);
// for the run's own workflow, the run's repository and ref.
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { runProcess } from '../process.js';
import { child } from './parser.js';
import type { RepositoryHost } from '../hosted-repositories.js';
import { parseUses } from './uses.js';

export type Access = 'read' | 'write' | 'none';
/** A `permissions:` value: scopes by GitHub's names (`id-token`, `pull-requests`), or `read-all`/`write-all`. */
export type DeclaredPermissions = Record<string, Access> | 'read-all' | 'write-all';

/** The `permissions:` a token declares, or undefined when it declares none. */
export function declaredPermissions(token: TemplateToken | undefined): DeclaredPermissions | undefined {
  if (!token) return undefined;
  const text = token.templateTokenType === 0 ? token.toString() : undefined; // a string literal
  if (text === 'read-all' || text === 'write-all') return text;
  if (token.templateTokenType !== 2) return undefined;
  const scopes: Record<string, Access> = {};
  for (const pair of token as MappingToken) {
    const level = pair.value.toString();
    if (level === 'read' || level === 'write' || level === 'none') scopes[pair.key.toString()] = level;
  }
  return scopes;
}

/** The permissions of a job's GITHUB_TOKEN: the job's `permissions:`, else its workflow's, else its caller's. */
export function jobPermissions(
  job: TemplateToken | undefined,
  workflow: TemplateToken | undefined,
  inherited: DeclaredPermissions | undefined,
): DeclaredPermissions | undefined {
  return (
    declaredPermissions(child(job, 'permissions')) ??
    declaredPermissions(child(workflow, 'permissions')) ??
    inherited
  );
}

/**
 * Whether a job with these permissions has `level` on `scope`. Without any declaration the token has
 * the repository's default, which the sandbox does not restrict, except `id-token` (never a default).
 */
export function grants(
  declared: DeclaredPermissions | undefined,
  scope: string,
  level: 'read' | 'write',
): boolean {
  if (declared === undefined) return scope !== 'id-token';
  if (declared === 'write-all') return true;
  if (declared === 'read-all') return level === 'read' && scope !== 'id-token';
  const has = declared[scope];
  return has === 'write' || (level === 'read' && has === 'read');
}

/** Every scope a `permissions:` block can name (the docs' table). */
const SCOPES = [
  'actions',
  'artifact-metadata',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];

const RANK: Record<Access, number> = { none: 0, read: 1, write: 2 };

/** Every scope of a declaration at its level (`read-all`, `write-all` spelled out). */
function scopesOf(declared: DeclaredPermissions): Record<string, Access> {
  if (declared === 'read-all' || declared === 'write-all') {
    const level = declared === 'read-all' ? 'read' : 'write';
    return Object.fromEntries(SCOPES.map((scope) => [scope, level]));
  }
  return declared;
}

/**
 * What a called workflow's job asks beyond what its caller job has, in GitHub's words ("The nested
 * job 'build' is requesting 'packages: write', but is only allowed 'packages: read'"): a called
 * workflow can only downgrade the caller's permissions ("Reuse workflows"). Nothing when either side
 * declares nothing (the repository's default, which the sandbox does not restrict).
 */
export function permissionsBeyond(
  jobId: string,
  requested: DeclaredPermissions | undefined,
  allowed: DeclaredPermissions | undefined,
): string[] {
  if (requested === undefined || allowed === undefined || allowed === 'write-all') return [];
  const granted = scopesOf(allowed);
  return Object.entries(scopesOf(requested))
    .filter(([scope, level]) => RANK[level] > RANK[granted[scope] ?? 'none'])
    .map(
      ([scope, level]) =>
        `The nested job '${jobId}' is requesting '${scope}: ${level}', but is only allowed '${scope}: ${granted[scope] ?? 'none'}'.`,
    );
}

/**
 * The token's permissions as the GitHub stand-in checks them (API names: `pull_requests`), or
 * undefined for a token the sandbox does not restrict (none declared, or `write-all`).
 */
export function tokenPermissions(
  declared: DeclaredPermissions | undefined,
): Record<string, 'read' | 'write'> | undefined {
  if (declared === undefined || declared === 'write-all') return undefined;
  const scopes: Record<string, Access> =
    declared === 'read-all' ? Object.fromEntries(SCOPES.map((scope) => [scope, 'read'])) : declared;
  const granted: Record<string, 'read' | 'write'> = { metadata: 'read' };
  for (const [scope, level] of Object.entries(scopes)) {
    if (level !== 'none') granted[scope.replaceAll('-', '_')] = level;
  }
  return granted;
}

/** `refs/tags/<ref>` or `refs/heads/<ref>` as GitHub expands a ref in `uses:`; a full SHA stays. */
async function expandedRef(host: RepositoryHost, repository: string, ref: string): Promise<string> {
  if (/^[0-9a-f]{40}$/i.test(ref) || ref.startsWith('refs/')) return ref;
  const origin = host.get(repository)?.origin;
  if (!origin) return ref;
  const tag = await runProcess('git', [
    '--git-dir',
    origin,
    'rev-parse',
    '--verify',
    '--quiet',
    `refs/tags/${ref}`,
  ]);
  return tag.exitCode === 0 ? `refs/tags/${ref}` : `refs/heads/${ref}`;
}

/** job_workflow_ref of the jobs of the workflow a job calls with `uses`, from the caller's own. */
export async function calledWorkflowRef(
  host: RepositoryHost,
  runRepository: string,
  callerRef: string,
  githubRef: string,
  uses: string,
): Promise<string> {
  const target = parseUses(uses);
  if (target.kind === 'remote') {
    const repository = `${target.owner}/${target.repo}`;
    return `${repository}/${target.path}@${await expandedRef(host, repository, target.ref)}`;
  }
  if (target.kind === 'self') {
    // `$/`: the repository and commit of the file that holds it, at the ref that file was read at.
    const at = callerRef.lastIndexOf('@');
    const [owner, repo] = callerRef.slice(0, at).split('/');
    return `${owner}/${repo}/${target.path}@${callerRef.slice(at + 1)}`;
  }
  // `./`: the run's own repository, as checked out for the run.
  return `${runRepository}/${uses.replace(/^\.\//, '')}@${githubRef}`;
}
