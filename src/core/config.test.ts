import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nextEnvironment, parseConfig, previousEnvironment } from './config.js';

const FILE = '.github/promotion.yaml';

function configWith(environments: string, services = '  - name: api\n    image: ghcr.io/acme/api\n'): string {
  return `version: 1\nenvironments:\n${environments}services:\n${services}`;
}

describe('parseConfig on the sample configuration', () => {
  const config = parseConfig(readFileSync(FILE, 'utf8'), FILE);

  it('reads the chain dev -> uat -> prod with dev merging without review', () => {
    expect(config.environments.map((env) => [env.name, env.overlay, env.mergeWithoutReview])).toEqual([
      ['dev', 'overlays/dev', true],
      ['uat', 'overlays/uat', false],
      ['prod', 'overlays/prod', false],
    ]);
    expect(config.environments[1]?.reviewers.teams).toEqual(['uat-approvers']);
    expect(config.mergeMethod).toBe('squash');
  });

  it('reads who may release and who may promote uat and prod by hand; dev is not restricted', () => {
    expect(config.release.allowed).toEqual({ users: ['release-manager'], teams: ['release-managers'] });
    expect(config.environments.map((env) => [env.name, env.promoters])).toEqual([
      ['dev', undefined],
      ['uat', { users: [], teams: ['uat-approvers'] }],
      ['prod', { users: [], teams: ['prod-approvers'] }],
    ]);
  });

  it('defines previous and next by the order of the chain', () => {
    expect(previousEnvironment(config, 'dev')).toBeUndefined();
    expect(previousEnvironment(config, 'prod')?.name).toBe('uat');
    expect(nextEnvironment(config, 'uat')?.name).toBe('prod');
    expect(nextEnvironment(config, 'prod')).toBeUndefined();
  });

  it('reads the services with their images and build contexts', () => {
    expect(config.services.map((s) => [s.name, s.image, s.kustomizeImage, s.context])).toContainEqual([
      'orders',
      'ghcr.io/acme/orders',
      'ghcr.io/acme/orders',
      'services/orders',
    ]);
  });
});

describe('parseConfig defaults', () => {
  it('defaults the overlay folder, the build context and review', () => {
    const config = parseConfig(configWith('  - name: dev\n'));
    expect(config.environments[0]).toEqual({
      name: 'dev',
      overlay: 'overlays/dev',
      mergeWithoutReview: false,
      reviewers: { users: [], teams: [] },
      labels: [],
    });
    expect(config.services[0]?.context).toBe('services/api');
  });

  it('without release.allowed or promoters nobody is restricted', () => {
    const config = parseConfig(configWith('  - name: dev\n'));
    expect(config.release).toEqual({});
    expect(config.environments[0]?.promoters).toBeUndefined();
  });

  it('reads users and teams of release.allowed and promoters', () => {
    const config = parseConfig(
      'release:\n  allowed:\n    users: [Mona, "deploy-app[bot]"]\n' +
        configWith('  - name: dev\n    promoters:\n      teams: [sre_team, dev-leads]\n'),
    );
    expect(config.release.allowed).toEqual({ users: ['Mona', 'deploy-app[bot]'], teams: [] });
    expect(config.environments[0]?.promoters).toEqual({ users: [], teams: ['sre_team', 'dev-leads'] });
  });
});

describe('parseConfig errors name the file, line and key', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a name with a slash',
      configWith('  - name: dev\n  - name: a/b\n'),
      /^\.github\/promotion\.yaml:4:11: environment name 'a\/b' is not valid/,
    ],
    ['a name with dots', configWith('  - name: ..\n'), /:3:11: environment name '\.\.' is not valid/],
    [
      'a name with a space',
      configWith('  - name: "my env"\n'),
      /:3:11: environment name 'my env' is not valid/,
    ],
    ['an upper-case name', configWith('  - name: Dev\n'), /:3:11: environment name 'Dev' is not valid/],
    [
      'a duplicate environment',
      configWith('  - name: dev\n  - name: dev\n'),
      /:4:11: environment 'dev' is defined twice/,
    ],
    [
      'a duplicate service',
      configWith('  - name: dev\n', '  - name: api\n    image: a/api\n  - name: api\n    image: a/api\n'),
      /:7:11: service 'api' is defined twice/,
    ],
    [
      'an unknown key',
      configWith('  - name: dev\n    merge-without-reveiw: true\n'),
      /:4:5: unknown key 'merge-without-reveiw' in an environment/,
    ],
    [
      'a non-boolean',
      configWith('  - name: dev\n    merge-without-review: yes please\n'),
      /:4:27: 'merge-without-review' in environment 'dev' must be true or false/,
    ],
    [
      'an overlay outside the repository',
      configWith('  - name: dev\n    overlay: ../elsewhere\n'),
      /:4:14: 'overlay' in environment 'dev' must be a relative path inside the repository/,
    ],
    [
      'a missing image',
      configWith('  - name: dev\n', '  - name: api\n'),
      /:5:5: 'image' is required in service 'api'/,
    ],
    [
      'an image with a tag',
      configWith('  - name: dev\n', '  - name: api\n    image: ghcr.io/acme/api:1.0\n'),
      /:6:12: 'image' in service 'api' must be an image repository without tag/,
    ],
    [
      'no environments',
      'services:\n  - name: api\n    image: a/api\n',
      /:1:1: 'environments' must be a non-empty list/,
    ],
    ['a wrong schema version', 'version: 2\n', /:1:10: 'version' must be 1/],
    ['invalid YAML', 'environments: [\n', /^\.github\/promotion\.yaml:\d+:\d+: not valid YAML/],
    [
      'a bad merge method',
      configWith('  - name: dev\n') + 'pull-requests:\n  merge-method: fast-forward\n',
      /:8:17: 'merge-method' must be one of merge, squash, rebase/,
    ],
    [
      'an unknown key under release',
      'release:\n  allowd:\n    users: [mona]\n',
      /:2:3: unknown key 'allowd' in 'release'; allowed: allowed/,
    ],
    [
      'an unknown key in release.allowed',
      'release:\n  allowed:\n    people: [mona]\n',
      /:3:5: unknown key 'people' in 'allowed' of 'release'; allowed: users, teams/,
    ],
    [
      'a login with @',
      'release:\n  allowed:\n    users: [mona, "@hubot"]\n',
      /:3:19: '@hubot' in the users of 'allowed' of 'release' is not a GitHub login/,
    ],
    [
      'a team as @org/slug',
      'release:\n  allowed:\n    teams: ["@acme/releasers"]\n',
      /:3:13: '@acme\/releasers' in the teams of 'allowed' of 'release' is not a team slug: .*without '@org\/'/,
    ],
    [
      'an upper-case team slug',
      configWith('  - name: uat\n    promoters:\n      teams: [UAT]\n'),
      /:5:15: 'UAT' in the teams of 'promoters' of environment 'uat' is not a team slug/,
    ],
    [
      'an access list that lists nobody',
      configWith('  - name: uat\n    promoters:\n      users: []\n'),
      /:5:7: 'promoters' of environment 'uat' lists nobody: name users and\/or teams, or remove 'promoters' for no restriction/,
    ],
    [
      'promoters that are not a mapping',
      configWith('  - name: uat\n    promoters: [mona]\n'),
      /:4:16: 'promoters' must be a mapping/,
    ],
    [
      'a user that is not a string',
      configWith('  - name: uat\n    promoters:\n      users: [42]\n'),
      /:5:15: 'users' in 'promoters' of environment 'uat' must be a list of non-empty strings/,
    ],
  ];
  it.each(cases)('refuses %s', (_name, text, message) => {
    expect(() => parseConfig(text, FILE)).toThrowError(message);
  });
});
