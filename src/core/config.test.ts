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
  ];
  it.each(cases)('refuses %s', (_name, text, message) => {
    expect(() => parseConfig(text, FILE)).toThrowError(message);
  });
});
