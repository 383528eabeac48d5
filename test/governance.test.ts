// Governance of the repository itself: who must approve which change (CODEOWNERS, matched the way
// GitHub matches it), and the hardening every workflow keeps (SHA pins, per-job permissions, no
// expressions inside scripts, deploys never cancelled), plus Dependabot keeping the pins fresh.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

// --- CODEOWNERS ------------------------------------------------------------------------------------

interface OwnerRule {
  line: number;
  pattern: string;
  owners: string[];
  matches: (path: string) => boolean;
}

const escapeRegExp = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** `*` within one path segment, `**` across segments, `?` one character (gitignore rules). */
function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += escapeRegExp(c);
  }
  return out;
}

/**
 * A CODEOWNERS pattern as GitHub reads it (gitignore rules without `!` and `[...]`): a leading or
 * inner `/` anchors it at the root, otherwise it matches at any depth; a trailing `/` names a folder
 * and owns everything under it; a last segment with no wildcard also owns a folder of that name
 * (`/docs` owns `docs/a/b.md`), while `docs/*` owns only the files directly in `docs/`.
 */
function codeownersMatcher(pattern: string): (path: string) => boolean {
  if (/^!|\[|\\/.test(pattern)) {
    throw new Error(`CODEOWNERS pattern '${pattern}': negation, [ranges] and escapes are not supported`);
  }
  const folder = pattern.endsWith('/');
  let body = folder ? pattern.slice(0, -1) : pattern;
  const anchored = body.includes('/');
  body = body.replace(/^\//, '');
  const lastSegment = body.slice(body.lastIndexOf('/') + 1);
  const prefix = anchored ? '^' : '^(?:.*/)?';
  const rest = folder ? '/.+' : /[*?]/.test(lastSegment) ? '' : '(?:/.+)?';
  const regExp = new RegExp(`${prefix}${globToRegExp(body)}${rest}$`);
  return (path) => regExp.test(path.replace(/^\//, ''));
}

function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ line: index + 1, pattern: pattern!, owners, matches: codeownersMatcher(pattern!) });
  });
  return rules;
}

/** The owners of a path: the last matching rule wins (an empty list there means "no owner"). */
function ownersOf(rules: readonly OwnerRule[], path: string): string[] {
  return rules.findLast((rule) => rule.matches(path))?.owners ?? [];
}

describe('CODEOWNERS matching (the subset of GitHub rules the file uses)', () => {
  it.each([
    ['/overlays/uat/', 'overlays/uat/kustomization.yaml', true],
    ['/overlays/uat/', 'overlays/uat/a/b.yaml', true],
    ['/overlays/uat/', 'overlays/uat', false],
    ['/overlays/uat/', 'overlays/uat-2/kustomization.yaml', false],
    ['/overlays/uat/', 'x/overlays/uat/kustomization.yaml', false],
    ['apps/', 'x/apps/y.ts', true],
    ['/.github/CODEOWNERS', '.github/CODEOWNERS', true],
    ['/docs', 'docs/a/b.md', true],
    ['docs/*', 'docs/a.md', true],
    ['docs/*', 'docs/a/b.md', false],
    ['*.js', 'src/deep/x.js', true],
    ['/build/**/logs', 'build/a/b/logs', true],
    ['*', 'anything/at/all', true],
  ] as const)('%s matches %s: %s', (pattern, path, expected) => {
    expect(codeownersMatcher(pattern)(path)).toBe(expected);
  });

  it('the last matching rule wins', () => {
    const rules = parseCodeowners('* @org/all\n/docs/ @org/docs\n/docs/free.md\n');
    expect(ownersOf(rules, 'src/x.ts')).toEqual(['@org/all']);
    expect(ownersOf(rules, 'docs/guide.md')).toEqual(['@org/docs']);
    expect(ownersOf(rules, 'docs/free.md')).toEqual([]);
  });
});

describe('.github/CODEOWNERS', () => {
  const rules = parseCodeowners(read('.github/CODEOWNERS'));
  const config = parse(read('.github/promotion.yaml')) as {
    environments: {
      name: string;
      overlay?: string;
      'merge-without-review'?: boolean;
      reviewers?: { users?: string[]; teams?: string[] };
    }[];
  };
  const overlayOf = (env: (typeof config.environments)[number]): string =>
    (env.overlay ?? `overlays/${env.name}`).replace(/^\.?\/+|\/+$/g, '');

  it('has no catch-all rule: files nobody owns merge with required approvals at 0', () => {
    const catchAll = rules.filter((rule) => ['*', '/*', '**', '/**', '**/*', '/**/*'].includes(rule.pattern));
    expect(catchAll).toEqual([]);
    expect(ownersOf(rules, 'README.md')).toEqual([]);
  });

  it('a dev promotion touches nothing with an owner, so the suite merges it without approval', () => {
    expect(ownersOf(rules, 'overlays/dev/kustomization.yaml')).toEqual([]);
    expect(rules.filter((rule) => rule.matches('overlays/dev/kustomization.yaml'))).toEqual([]);
  });

  it('uat and prod promotions need their team', () => {
    expect(ownersOf(rules, 'overlays/uat/kustomization.yaml')).toEqual(['@acme/uat-approvers']);
    expect(ownersOf(rules, 'overlays/prod/kustomization.yaml')).toEqual(['@acme/prod-approvers']);
    expect(ownersOf(rules, 'overlays/prod/namespace.yaml')).toEqual(['@acme/prod-approvers']);
  });

  it('the workflows, the config, CODEOWNERS itself, the base manifests and the actions are owned by the platform team', () => {
    for (const path of [
      'base/orders/deployment.yaml',
      'base/kustomization.yaml',
      'actions/release/action.yml',
      'actions/overlay-update/dist/index.js',
      '.github/workflows/overlay-deploy.yaml',
      '.github/workflows/ci.yaml',
      '.github/promotion.yaml',
      '.github/CODEOWNERS',
      '.github/dependabot.yml',
    ]) {
      expect(ownersOf(rules, path), path).toEqual(['@acme/platform']);
    }
  });

  it('every owner is an @org/team or an @user', () => {
    for (const rule of rules) {
      for (const owner of rule.owners) {
        expect(owner, `line ${rule.line}`).toMatch(/^@[A-Za-z0-9-]+(\/[A-Za-z0-9_.-]+)?$/);
      }
    }
  });

  it.each(config.environments.map((env) => [env.name, env] as const))(
    '%s: the reviewers named in .github/promotion.yaml own its overlay folder',
    (_name, env) => {
      const owners = ownersOf(rules, `${overlayOf(env)}/kustomization.yaml`);
      const teams = env.reviewers?.teams ?? [];
      const users = env.reviewers?.users ?? [];
      for (const team of teams) {
        // promotion.yaml names a team by its slug; CODEOWNERS as @org/slug.
        expect(
          owners.some((owner) => owner.toLowerCase().endsWith(`/${team.toLowerCase()}`)),
          `team ${team} owns ${overlayOf(env)}/`,
        ).toBe(true);
      }
      for (const user of users)
        expect(owners.map((o) => o.toLowerCase())).toContain(`@${user.toLowerCase()}`);
      if (env['merge-without-review']) expect(owners, `${env.name} merges without review`).toEqual([]);
      else if (teams.length + users.length > 0) expect(owners.length).toBeGreaterThan(0);
    },
  );
});

// --- Dependabot -------------------------------------------------------------------------------------

describe('.github/dependabot.yml', () => {
  it('updates npm packages and the pinned GitHub Actions', () => {
    const config = parse(read('.github/dependabot.yml')) as {
      version: number;
      updates: { 'package-ecosystem': string; directory: string; schedule: { interval: string } }[];
    };
    expect(config.version).toBe(2);
    const ecosystems = config.updates.map((update) => update['package-ecosystem']);
    expect(ecosystems).toEqual(expect.arrayContaining(['npm', 'github-actions']));
    for (const update of config.updates) expect(update.schedule.interval).toBeTruthy();
  });
});

// --- Workflows ----------------------------------------------------------------------------------------

const workflowFiles = readdirSync(join(root, '.github', 'workflows'))
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => `.github/workflows/${name}`);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
}
interface Job {
  'runs-on'?: unknown;
  uses?: string;
  permissions?: unknown;
  environment?: unknown;
  concurrency?: { 'cancel-in-progress'?: unknown } | string;
  'timeout-minutes'?: unknown;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  concurrency?: { 'cancel-in-progress'?: unknown } | string;
  jobs: Record<string, Job>;
}

/** Every `uses:` of the file (steps and reusable-workflow jobs), with the comment on its line. */
function usesWithComments(text: string): { uses: string; line: number; comment: string }[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const found: { uses: string; line: number; comment: string }[] = [];
  const lines = text.split('\n');
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === 'uses' && isScalar(pair.value)) {
          const line = lineCounter.linePos(pair.value.range![0]).line;
          const source = lines[line - 1] ?? '';
          const comment = source.includes('#') ? source.replace(/^[^#]*#\s*/, '') : '';
          found.push({ uses: String(pair.value.value), line, comment });
        } else walk(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(walk);
  };
  walk(doc.contents);
  return found;
}

describe.each(workflowFiles)('%s', (file) => {
  const text = read(file);
  const workflow = parse(text) as Workflow;
  const jobs = Object.entries(workflow.jobs);

  it('pins every third-party action and reusable workflow to a full commit SHA, with the version in a comment', () => {
    for (const { uses, line, comment } of usesWithComments(text)) {
      // This repository's own actions and workflows: `$/` (at the running commit) or `./`.
      if (uses.startsWith('./') || uses.startsWith('$/')) continue;
      const where = `${file}:${line} ${uses}`;
      expect(uses, where).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(comment, `${where} needs a '# vX.Y.Z' comment`).toMatch(/^v\d+(\.\d+){0,2}\b/);
    }
  });

  it("reaches the suite's own actions and workflows with $/ when other repositories call it", () => {
    // Inside a called workflow `./x` is the caller's workspace; `$/x` is the suite at the called ref.
    const on = workflow.on;
    const callable = typeof on === 'object' && on !== null && !Array.isArray(on) && 'workflow_call' in on;
    for (const { uses, line } of usesWithComments(text)) {
      if (callable) expect(uses, `${file}:${line}`).not.toMatch(/^\.\//);
    }
  });

  it('gives every job its own permissions, and never write-all', () => {
    expect(workflow.permissions).not.toBe('write-all');
    for (const [id, job] of jobs) {
      expect(job.permissions, `job ${id} sets permissions:`).toBeDefined();
      expect(job.permissions, `job ${id}`).not.toBe('write-all');
    }
  });

  it('puts no ${{ }} expression inside a run: script (inputs go through env:)', () => {
    for (const [id, job] of jobs) {
      for (const step of job.steps ?? []) {
        if (typeof step.run === 'string') {
          expect(step.run, `job ${id}, step '${step.name ?? step.run.split('\n')[0]}'`).not.toContain('${{');
        }
      }
    }
  });

  it('gives every job that runs on a runner a timeout', () => {
    for (const [id, job] of jobs) {
      if (job.uses === undefined) expect(job['timeout-minutes'], `job ${id}`).toBeDefined();
    }
  });

  it('never cancels a deploy (a job in an environment) mid-flight', () => {
    // cancel-in-progress: anything but false (true, or an expression) may cancel a running job.
    const mayCancel = (concurrency: Job['concurrency']): boolean =>
      typeof concurrency === 'object' &&
      concurrency['cancel-in-progress'] !== undefined &&
      concurrency['cancel-in-progress'] !== false;
    for (const [id, job] of jobs) {
      if (job.environment === undefined) continue;
      expect(mayCancel(job.concurrency), `job ${id}: cancel-in-progress`).toBe(false);
      expect(mayCancel(workflow.concurrency), `job ${id}: the workflow's cancel-in-progress`).toBe(false);
    }
  });
});
