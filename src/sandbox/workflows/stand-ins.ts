/**
 * Third-party actions cannot run here (they need github.com, a Docker engine or GitHub's App JWT
 * exchange). Each one a workflow of this repository uses has an explicit stand-in that does the
 * same observable thing against the sandbox, and says why it is stood in for; any other
 * third-party action fails the job at set-up, as an action GitHub cannot download would.
 */
import { randomBytes } from 'node:crypto';
import { relative, resolve } from 'node:path';
import type { Identity } from '../github/index.js';
import { git, runProcess } from '../process.js';
import { attestBuildProvenanceStandIn, attestStandIn } from './attest.js';
import { buildPushStandIn, setupBuildxStandIn } from './build-push.js';
import { sbomActionStandIn } from './sbom.js';
import type { SandboxApp, StandInAction, StandInContext, StandInOutcome } from './stand-in-types.js';

export type { SandboxApp, StandInAction, StandInContext, StandInOutcome } from './stand-in-types.js';
export { actionName } from './stand-in-types.js';

/** docs/setup.md's table of the App's permissions, the required rows. */
const REQUIRED_APP_PERMISSIONS: Record<string, 'read' | 'write'> = {
  contents: 'write',
  pull_requests: 'write',
  metadata: 'read',
  members: 'read',
  deployments: 'read',
  attestations: 'read',
};

export const SANDBOX_APP: SandboxApp = {
  slug: 'promotion-app',
  clientId: 'Iv23liSandboxPromotionApp',
  privateKey: [
    '-----BEGIN RSA PRIVATE KEY-----',
    'c2FuZGJveCBzdGFuZC1pbjogbm90IGEga2V5LCBvbmx5IHJlY29nbmlzZWQgYnkgdGhl',
    'IHNhbmRib3gncyBjcmVhdGUtZ2l0aHViLWFwcC10b2tlbiBzdGFuZC1pbg==',
    '-----END RSA PRIVATE KEY-----',
  ].join('\n'),
};

export function appIdentity(app: SandboxApp): Identity {
  return { login: `${app.slug}[bot]`, type: 'Bot' };
}

async function tryGit(cwd: string, ...args: string[]): Promise<{ ok: boolean; out: string }> {
  const result = await runProcess('git', args, { cwd });
  return { ok: result.exitCode === 0, out: (result.exitCode === 0 ? result.stdout : result.stderr).trim() };
}

const checkout: StandInAction = {
  // actions/checkout v4-v7 action.yml
  inputs: [
    'repository',
    'ref',
    'token',
    'ssh-key',
    'ssh-known-hosts',
    'ssh-strict',
    'ssh-user',
    'persist-credentials',
    'path',
    'clean',
    'filter',
    'sparse-checkout',
    'sparse-checkout-cone-mode',
    'fetch-depth',
    'fetch-tags',
    'show-progress',
    'lfs',
    'submodules',
    'set-safe-directory',
    'github-server-url',
  ],
  outputs: ['ref', 'commit'],
  async run(ctx) {
    const { inputs } = ctx;
    const fail = (failure: string): StandInOutcome => ({
      outputs: {},
      reason: 'actions/checkout',
      log: '',
      failure,
    });
    const repository = inputs['repository'] || ctx.run.repository;
    const own = repository.toLowerCase() === ctx.run.repository.toLowerCase();
    const token = inputs['token'] || ctx.run.token;
    const identity = ctx.github.identify(token);
    if (!identity) {
      return fail(
        'remote: Invalid username or token. Password authentication is not supported for Git operations.',
      );
    }
    // Another repository needs a token that reaches it (the run's GITHUB_TOKEN reaches only the run's
    // repository); git then answers as github.com does for a repository it hides.
    const hosted = own ? ctx.repository : ctx.host.get(repository);
    const reachable =
      !identity.repositories ||
      identity.repositories.some((r) => r.toLowerCase() === repository.toLowerCase());
    if (!hosted || !reachable) {
      return fail(
        `remote: Repository not found.\nfatal: repository '${ctx.serverUrl}/${repository}/' not found`,
      );
    }
    const target = resolve(ctx.workspace, inputs['path'] || '.');
    if (relative(ctx.workspace, target).startsWith('..')) {
      return fail(`Repository path '${target}' is not under '${ctx.workspace}'`);
    }
    const depth = Number(inputs['fetch-depth'] ?? '1');
    if (!Number.isInteger(depth) || depth < 0) return fail(`The input 'fetch-depth' must be a number >= 0`);

    // What to check out: the input ref (branch, tag, refs/..., or SHA), else the run's ref and SHA.
    const requested = inputs['ref'] ?? '';
    let branch: string | undefined;
    let commit: string | undefined;
    let shownRef: string;
    const origin = hosted.origin;
    const resolveIn = async (ref: string): Promise<string | undefined> => {
      const found = await tryGit(origin, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
      return found.ok ? found.out : undefined;
    };
    if (requested) {
      shownRef = requested;
      if (/^[0-9a-f]{40}$/i.test(requested)) commit = await resolveIn(requested);
      else {
        const name = requested.replace(/^refs\/heads\//, '');
        const asBranch = await resolveIn(`refs/heads/${name}`);
        if (asBranch && !requested.startsWith('refs/tags/')) {
          branch = name;
          commit = asBranch;
        } else commit = await resolveIn(requested.startsWith('refs/') ? requested : `refs/tags/${requested}`);
      }
      if (!commit) return fail(`A branch or tag with the name '${requested}' could not be found`);
    } else if (!own) {
      // Another repository without `ref:` is checked out at its default branch (checkout's README).
      const head = await tryGit(origin, 'symbolic-ref', '--short', 'HEAD');
      branch = head.ok ? head.out : 'main';
      shownRef = `refs/heads/${branch}`;
      commit = await resolveIn(shownRef);
      if (!commit) return fail(`The default branch of ${repository} has no commit`);
    } else {
      shownRef = ctx.run.ref;
      commit = await resolveIn(ctx.run.sha);
      if (ctx.run.ref.startsWith('refs/heads/')) branch = ctx.run.ref.slice('refs/heads/'.length);
      if (!commit) return fail(`The commit ${ctx.run.sha} of ${ctx.run.ref} is not in the repository`);
    }

    const lines: string[] = [];
    if (depth === 0 && own) {
      // Full history, `origin` remote: as repository.checkout() leaves it.
      await ctx.repository.checkout(relative(ctx.repository.root, target));
      lines.push(`cloned ${origin} (full history)`);
    } else {
      // actions/checkout fetches only the one commit (shallow) by default.
      await git(ctx.repository.root, 'init', '--quiet', target);
      await git(target, 'remote', 'add', 'origin', `file://${origin}`);
      const into = branch ? `refs/remotes/origin/${branch}` : 'refs/remotes/origin/checkout';
      const shallow = depth === 0 ? [] : [`--depth=${depth}`];
      await git(target, 'fetch', '--quiet', '--no-tags', ...shallow, 'origin', `+${commit}:${into}`);
      if (depth === 0) await git(target, 'fetch', '--quiet', 'origin', '+refs/heads/*:refs/remotes/origin/*');
      lines.push(
        `fetched ${commit} from file://${origin} with ${depth === 0 ? 'full history' : `--depth=${depth}`}`,
      );
    }
    if (branch) {
      await git(target, 'checkout', '--quiet', '--force', '-B', branch, commit);
      await git(target, 'branch', '--quiet', '--set-upstream-to', `origin/${branch}`, branch).catch(() => '');
    } else {
      await git(target, 'checkout', '--quiet', '--force', '--detach', commit);
    }
    lines.push(`checked out ${branch ? `branch ${branch}` : 'detached HEAD'} at ${commit}`);
    return {
      outputs: { ref: branch ? `refs/heads/${branch}` : shownRef, commit },
      reason:
        `actions/checkout needs github.com: stood in by a clone of the sandbox origin of ${repository} at ${shownRef} (${commit.slice(0, 7)}), ` +
        `${depth === 0 ? 'full history' : `depth ${depth}`}` +
        (inputs['persist-credentials'] === 'false' ? ', no credentials persisted' : ''),
      log: lines.join('\n'),
    };
  },
};

const createGithubAppToken: StandInAction = {
  // actions/create-github-app-token v2-v3 action.yml
  inputs: [
    'app-id',
    'client-id',
    'private-key',
    'owner',
    'repositories',
    'skip-token-revoke',
    'github-api-url',
    'permission-*',
  ],
  outputs: ['token', 'installation-id', 'app-slug'],
  async run(ctx) {
    const clientId = ctx.inputs['client-id'] || ctx.inputs['app-id'] || '';
    const privateKey = ctx.inputs['private-key'] ?? '';
    const fail = (failure: string): StandInOutcome => ({
      outputs: {},
      reason: 'actions/create-github-app-token',
      log: '',
      failure,
    });
    if (!clientId) return fail('Input required and not supplied: client-id (or the deprecated app-id)');
    if (!privateKey) return fail('Input required and not supplied: private-key');
    if (clientId !== ctx.app.clientId || privateKey.trim() !== ctx.app.privateKey.trim()) {
      return fail(
        `[@octokit/auth-app] the client ID and private key are not those of the sandbox App (${ctx.app.slug}); ` +
          'GitHub would answer 401 "A JSON web token could not be decoded"',
      );
    }
    // `permission-<name>` asks for a token with only those permissions; asking for more than the
    // App was granted fails the request, as GitHub answers the real action 422 (create an
    // installation access token, docs.github.com/rest/apps/apps).
    const granted = ctx.app.permissions ?? REQUIRED_APP_PERMISSIONS;
    const asked = Object.entries(ctx.inputs)
      .filter(([name, value]) => name.startsWith('permission-') && value !== '')
      .map(([name, value]) => [name.slice('permission-'.length).replaceAll('-', '_'), value] as const);
    const beyond = asked.filter(([name, level]) => !(granted[name] === 'write' || granted[name] === level));
    if (beyond.length > 0) {
      return fail(
        `HttpError: The permissions requested are not granted to this installation. ` +
          `(asked ${beyond.map(([n, l]) => `${n}: ${l}`).join(', ')}; ${ctx.app.slug} has ${Object.entries(
            granted,
          )
            .map(([n, l]) => `${n}: ${l}`)
            .join(', ')})`,
      );
    }
    const scope = tokenScope(ctx);
    if ('failure' in scope) return fail(scope.failure);
    const permissions = asked.length > 0 ? Object.fromEntries(asked) : granted;
    const token = `ghs_${randomBytes(18).toString('hex')}`;
    ctx.github.registerToken(token, {
      ...appIdentity(ctx.app),
      orgMembers: permissions['members'] ? 'read' : 'none',
      permissions: { metadata: 'read', ...permissions } as Record<string, 'read' | 'write'>,
      repositories: scope.repositories,
    });
    ctx.mask(token);
    return {
      outputs: { token, 'installation-id': '4200000', 'app-slug': ctx.app.slug },
      reason:
        `actions/create-github-app-token exchanges a JWT with github.com: stood in by an installation token ` +
        `the GitHub stand-in knows as ${appIdentity(ctx.app).login} (type Bot, not GITHUB_TOKEN), ` +
        `for ${scope.repositories.join(', ')}`,
      log:
        `created an installation access token for ${ctx.app.slug} (masked), ` +
        `permissions ${Object.entries(permissions)
          .map(([n, l]) => `${n}: ${l}`)
          .join(', ')}, for ${scope.repositories.join(', ')}`,
    };
  },
};

/**
 * The repositories an installation token reaches, as create-github-app-token v3 decides from `owner`
 * and `repositories` (its README, "Create a token for ..."): neither set, the current repository;
 * `owner` alone, every repository of the owner's installation; `repositories`, only those (of `owner`,
 * default the current repository's owner). A repository the App is not installed on fails as GitHub
 * answers POST /app/installations/{id}/access_tokens (422), an owner without an installation as
 * GET /orgs/{org}/installation (404).
 */
function tokenScope(ctx: StandInContext): { repositories: string[] } | { failure: string } {
  const current = ctx.run.repository;
  const owner = (ctx.inputs['owner'] ?? '').trim();
  const names = (ctx.inputs['repositories'] ?? '')
    .split(/[\n,]/)
    .map((name) => name.trim())
    .filter(Boolean);
  const installed = (ctx.app.installedOn ?? ctx.host.names()).map((name) => name.toLowerCase());
  const ownerOf = owner || current.split('/')[0]!;
  const inInstallation = installed.filter((name) => name.startsWith(`${ownerOf.toLowerCase()}/`));
  if (inInstallation.length === 0)
    return { failure: `Failed to create token for "${ownerOf}" (attempt 1): Not Found` };
  let wanted: string[];
  if (names.length > 0) wanted = names.map((name) => `${ownerOf}/${name}`);
  else if (owner) return { repositories: inInstallation };
  else wanted = [current];
  const missing = wanted.filter((name) => !installed.includes(name.toLowerCase()));
  if (missing.length > 0)
    return {
      failure:
        `There is at least one repository that does not exist or is not accessible to the parent installation ` +
        `(${missing.join(', ')}): install ${ctx.app.slug} on it, or leave it out of 'repositories'`,
    };
  return { repositories: wanted };
}

/** A stand-in that changes nothing, for actions whose only effect is on a Docker engine. */
function noDockerEngine(inputs: string[], outputs: string[], why: string): StandInAction {
  return {
    inputs,
    outputs,
    async run(ctx) {
      return {
        outputs: Object.fromEntries(outputs.map((name) => [name, ''])),
        reason: why,
        log: `inputs: ${Object.keys(ctx.inputs).join(', ') || '(none)'}`,
      };
    },
  };
}

/** Built-in stand-ins, by lower-case `owner/repo`. */
export const STAND_INS: Record<string, StandInAction> = {
  'actions/checkout': checkout,
  'actions/attest': attestStandIn,
  'actions/attest-build-provenance': attestBuildProvenanceStandIn,
  'actions/create-github-app-token': createGithubAppToken,
  'anchore/sbom-action': sbomActionStandIn,
  'docker/login-action': noDockerEngine(
    ['registry', 'username', 'password', 'ecr', 'logout', 'scope'],
    [],
    'docker/login-action needs a Docker engine (none here): the sandbox registry on 127.0.0.1 needs no login',
  ),
  'docker/setup-buildx-action': setupBuildxStandIn,
  'docker/build-push-action': buildPushStandIn,
  'docker/setup-qemu-action': noDockerEngine(
    ['image', 'platforms', 'reset', 'cache-image'],
    ['platforms'],
    'docker/setup-qemu-action needs a Docker engine (none here): no emulation, so a RUN step for another platform fails',
  ),
};

/** Whether the real action declares an input (`permission-*` style prefixes allowed). */
export function acceptsInput(action: StandInAction, name: string): boolean {
  const lower = name.toLowerCase();
  return action.inputs.some((input) =>
    input.endsWith('*') ? lower.startsWith(input.slice(0, -1)) : input === lower,
  );
}
