import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  attestationRequired,
  nextEnvironment,
  parseConfig,
  previousEnvironment,
  releaseSourceProblem,
} from './config.js';
import { UserError } from './errors.js';
import { seededRandom } from '../../test/support/random.js';

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
      requireAttestation: true,
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
    /:4:14: 'overlay' in environment 'dev': '\.\.\/elsewhere' is not a clean relative path inside the repository/,
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

describe('parseConfig errors name the file, line and key', () => {
  it.each(cases)('refuses %s', (_name, text, message) => {
    expect(() => parseConfig(text, FILE)).toThrowError(message);
  });
});

/** A config of `count` services in the shape of the bench's. */
function servicesConfig(count: number): string {
  const services = Array.from({ length: count }, (_, i) => {
    const name = `svc-${String(i).padStart(4, '0')}`;
    return `  - name: ${name}\n    image: ghcr.io/acme/${name}\n    context: services/${name}\n`;
  });
  return configWith(
    '  - name: dev\n    merge-without-review: true\n  - name: uat\n  - name: prod\n',
    services.join(''),
  );
}

describe('parseConfig reads any YAML style of the schema', () => {
  const labels: [string, string, string[]][] = [
    [
      'a sequence at the indentation of its key, and a comment less indented',
      'version: 1\nenvironments:\n- name: dev\n# c\n  labels:\n  - a\nservices:\n- name: api\n  image: a/api\n',
      ['a'],
    ],
    [
      'items with more spaces after the dash, trailing spaces and comments',
      configWith('  -   name: dev   # c\n      labels: [ a,b ]  \n'),
      ['a', 'b'],
    ],
    [
      'a plain label over two lines',
      configWith('  - name: dev\n    labels:\n      - a\n        b\n'),
      ['a b'],
    ],
    [
      'a quoted label over two lines',
      configWith('  - name: dev\n    labels:\n      - "a\n        b"\n'),
      ['a b'],
    ],
    [
      'quoted labels with spaces and a hash',
      configWith('  - name: dev\n    labels: ["a b", \'c # d\']\n'),
      ['a b', 'c # d'],
    ],
    ['a label with a colon', configWith('  - name: dev\n    labels: [a:b]\n'), ['a:b']],
    ['a tab after a colon', configWith('  - name: dev\n    labels:\t[a]\n'), ['a']],
    [
      'yes, no, on and off, strings in YAML 1.2',
      configWith('  - name: dev\n    labels: [yes, no, on, off]\n'),
      ['yes', 'no', 'on', 'off'],
    ],
    ['an anchor without an alias', configWith('  - name: &dev dev\n    labels: [x]\n'), ['x']],
    ['a key without a value', configWith('  - name: dev\n    ? labels\n'), []],
    ['a non-ASCII comment', `# café\n${configWith('  - name: dev\n    labels: [x]\n')}`, ['x']],
    ['Windows line ends', configWith('  - name: dev\n    labels: [x]\n').replace(/\n/g, '\r\n'), ['x']],
    [
      'a flow style config',
      '{version: 1, environments: [{name: dev, labels: [x]}], services: [{name: api, image: a/api}]}\n',
      ['x'],
    ],
  ];
  it.each(labels)('%s', (_name, text, expected) => {
    const config = parseConfig(text, FILE);
    expect(config.environments.map((env) => [env.name, env.labels])).toEqual([['dev', expected]]);
    expect(config.services.map((service) => service.name)).toEqual(['api']);
  });

  it('reads a port in an image and a hyphen in a reviewer', () => {
    const config = parseConfig(
      configWith(
        '  - name: dev\n    reviewers:\n      users:\n        - a-b\n',
        '  - name: api\n    image: localhost:5000/api\n',
      ),
    );
    expect(config.environments[0]?.reviewers.users).toEqual(['a-b']);
    expect(config.services[0]?.image).toBe('localhost:5000/api');
  });

  it('takes null and ~ for the default', () => {
    const config = parseConfig(
      configWith('  - name: dev\n    overlay: ~\n', '  - name: api\n    image: a/api\n    context: null\n'),
    );
    expect(config.environments[0]?.overlay).toBe('overlays/dev');
    expect(config.services[0]?.context).toBe('services/api');
  });

  it.each([50, 500, 5000])('reads %i services in order', (count) => {
    const config = parseConfig(servicesConfig(count));
    expect(config.services).toHaveLength(count);
    expect(config.services[count - 1]).toEqual({
      name: `svc-${String(count - 1).padStart(4, '0')}`,
      image: `ghcr.io/acme/svc-${String(count - 1).padStart(4, '0')}`,
      kustomizeImage: `ghcr.io/acme/svc-${String(count - 1).padStart(4, '0')}`,
      context: `services/svc-${String(count - 1).padStart(4, '0')}`,
      platforms: ['linux/amd64'],
      buildArgs: {},
      sbom: false,
    });
  });
});

/** The location of parseConfig's error, and its message without it. */
function failure(text: string): { line: number; column: number; message: string } {
  try {
    parseConfig(text, FILE);
  } catch (error) {
    if (!(error instanceof UserError) || !error.location) throw error;
    const { file, line, column } = error.location;
    expect(file).toBe(FILE);
    expect(error.message.startsWith(`${FILE}:${line}:${column}: `)).toBe(true);
    return { line, column, message: error.message.slice(`${FILE}:${line}:${column}: `.length) };
  }
  throw new Error('parseConfig accepted the text');
}

describe('parseConfig refuses, at the line and column of the problem', () => {
  // [what, text, line, column, message]; for the yaml library's own errors, only how the message starts.
  const refusals: [string, string, number, number, string][] = [
    ['invalid YAML', 'environments: [\n', 2, 1, 'not valid YAML: '],
    [
      'a key less indented than its mapping',
      configWith('  - name: dev\n   labels: [a]\n'),
      4,
      1,
      'not valid YAML: ',
    ],
    [
      'a flow sequence less indented than its key',
      configWith('  - name: dev\n    labels: [a,\n  b]\n'),
      5,
      3,
      'not valid YAML: ',
    ],
    ['a collection as a key', configWith('  - name: dev\n    [name]: x\n'), 4, 5, 'not valid YAML: '],
    [
      'a duplicate key',
      configWith('  - name: dev\n    name: uat\n'),
      4,
      5,
      'not valid YAML: Map keys must be unique',
    ],
    [
      'two documents',
      `${configWith('  - name: dev\n')}---\n${configWith('  - name: dev\n')}`,
      7,
      1,
      'not valid YAML: Source contains multiple documents',
    ],
    [
      'lone carriage returns, which are no line breaks to yaml',
      configWith('  - name: dev\n').replace(/\n/g, '\r'),
      1,
      10,
      'not valid YAML: ',
    ],
    ['an empty file', '', 1, 1, 'the file must be a mapping with environments and services'],
    [
      'a file that is a list',
      '- version: 1\n',
      1,
      1,
      'the file must be a mapping with environments and services',
    ],
    [
      'an explicit tag that makes the version a float',
      `version: !!float 1\n${configWith('  - name: dev\n').slice(11)}`,
      1,
      18,
      "'version' must be 1, the only schema version this suite reads",
    ],
    [
      'keys 1 and "1", which yaml keeps apart, at the first',
      configWith('  - name: dev\n    1: a\n    "1": b\n'),
      4,
      5,
      "unknown key '1' in an environment; allowed: name, overlay, merge-without-review, reviewers, labels, promoters",
    ],
    [
      '1.10 as a name, a number',
      configWith('  - name: 1.10\n'),
      3,
      11,
      "'name' in environment must be a non-empty string",
    ],
    [
      'yes as a label under %YAML 1.1, where it is a boolean',
      `%YAML 1.1\n---\n${configWith('  - name: dev\n    labels: [yes]\n')}`,
      6,
      14,
      "'labels' in environment 'dev' must be a list of non-empty strings",
    ],
    [
      'an alias as a label',
      configWith('  - name: &dev dev\n  - name: uat\n    labels: [*dev]\n'),
      5,
      14,
      "'labels' in environment 'uat' must be a list of non-empty strings",
    ],
    [
      'a label too big a number for a double',
      configWith('  - name: dev\n    labels: [1e999]\n'),
      4,
      14,
      "'labels' in environment 'dev' must be a list of non-empty strings",
    ],
    [
      'an empty value for a mapping',
      configWith('  - name: dev\n    reviewers:\n'),
      4,
      15,
      "'reviewers' must be a mapping",
    ],
    [
      'reviewers that are not a list',
      configWith('  - name: dev\n    reviewers:\n      users: mona\n'),
      5,
      14,
      "'users' in the reviewers of environment 'dev' must be a list of strings",
    ],
    [
      'an unknown reviewers key',
      configWith('  - name: dev\n    reviewers:\n      people: [mona]\n'),
      5,
      7,
      "unknown key 'people' in the reviewers of environment 'dev'; allowed: users, teams",
    ],
    [
      'no services',
      'version: 1\nenvironments:\n  - name: dev\nservices: []\n',
      4,
      11,
      "'services' must be a non-empty list",
    ],
    [
      'a context outside the repository',
      configWith('  - name: dev\n', '  - name: api\n    image: a/api\n    context: /abs\n'),
      7,
      14,
      "'context' in service 'api': '/abs' is not a clean relative path inside the repository",
    ],
    [
      'an empty kustomize-image',
      configWith('  - name: dev\n', '  - name: api\n    image: a/api\n    kustomize-image: " "\n'),
      7,
      22,
      "'kustomize-image' in service 'api' must be a non-empty string",
    ],
  ];
  it.each(refusals)('%s', (_name, text, line, column, message) => {
    const { message: actual, ...location } = failure(text);
    expect(location).toEqual({ line, column });
    expect(actual.startsWith(message), actual).toBe(true);
  });

  it('on 300 random edits of the sample configuration, a config or a UserError in the file', () => {
    const sample = readFileSync(FILE, 'utf8');
    const random = seededRandom(1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const inserts = [
      ...['\n', ' ', '  ', '\t', '#', ':', ': ', '- ', '[', ']', '{', '}', ',', '"', "'", '? ', '|', '>'],
      ...['&a ', '*a', '~', '\n  - x', '\r'],
    ];
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      let text = sample;
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * text.length);
        text =
          random() < 0.6
            ? text.slice(0, at) + pick(inserts) + text.slice(at)
            : text.slice(0, at) + text.slice(at + 1);
      }
      try {
        parseConfig(text, FILE);
      } catch {
        refused++;
        const { line } = failure(text);
        expect(line, JSON.stringify(text)).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length);
      }
    }
    // Proof that both kinds of answer were checked.
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(250);
  });
});

describe('services[].repository: which repository releases a service', () => {
  const config = parseConfig(
    configWith(
      '  - name: dev\n',
      '  - name: orders\n    image: ghcr.io/acme/orders\n    repository: acme/orders\n' +
        '  - name: web\n    image: ghcr.io/acme/web\n    repository: acme/frontend\n    context: apps/web\n' +
        '  - name: api\n    image: ghcr.io/acme/api\n',
    ),
    FILE,
  );
  const service = (name: string) => config.services.find((s) => s.name === name)!;

  it('reads it, with the build context at that repository’s root by default', () => {
    expect([service('orders').repository, service('orders').context]).toEqual(['acme/orders', '.']);
    expect([service('web').repository, service('web').context]).toEqual(['acme/frontend', 'apps/web']);
    expect([service('api').repository, service('api').context]).toEqual([undefined, 'services/api']);
  });

  it('lets only the named repository release the service, else the config’s own repository', () => {
    expect(releaseSourceProblem(config, service('orders'), 'Acme/Orders', 'acme/gitops')).toBeUndefined();
    expect(releaseSourceProblem(config, service('api'), 'acme/gitops', 'acme/gitops')).toBeUndefined();
    expect(releaseSourceProblem(config, service('orders'), 'acme/payments', 'acme/gitops')).toBe(
      "acme/payments may not release 'orders': .github/promotion.yaml of acme/gitops names acme/orders as the repository that releases it (services[].repository)",
    );
    expect(releaseSourceProblem(config, service('orders'), 'acme/gitops', 'acme/gitops')).toMatch(
      /^acme\/gitops may not release 'orders'/,
    );
    expect(releaseSourceProblem(config, service('api'), 'acme/orders', 'acme/gitops')).toBe(
      "acme/orders may not release 'api': .github/promotion.yaml of acme/gitops names no repository for it, so only acme/gitops may; add 'repository: acme/orders' to the service there to allow it",
    );
  });

  it.each([
    ['no owner', 'orders'],
    ['a URL', 'https://github.com/acme/orders'],
    ['three parts', 'acme/orders/x'],
    ['a bad owner', '-acme/orders'],
  ])('refuses %s at its line', (_, value) => {
    expect(() =>
      parseConfig(
        configWith('  - name: dev\n', `  - name: orders\n    image: a/orders\n    repository: ${value}\n`),
        FILE,
      ),
    ).toThrow(
      /promotion\.yaml:7:17: 'repository' in service 'orders' must be owner\/name of the repository that releases it/,
    );
  });

  it('takes "." as a context only for a service of its own repository', () => {
    expect(() =>
      parseConfig(configWith('  - name: dev\n', "  - name: api\n    image: a/api\n    context: '.'\n"), FILE),
    ).toThrow(/'context' in service 'api'/);
  });
});

describe('build settings and attestation', () => {
  const service = (text: string) =>
    parseConfig(configWith('  - name: dev\n', `  - name: api\n    image: a/api\n${text}`), FILE).services[0]!;

  it('defaults to linux/amd64, no build arguments and no SBOM', () => {
    expect(service('')).toMatchObject({ platforms: ['linux/amd64'], buildArgs: {}, sbom: false });
  });

  it('reads platforms with variants, build arguments as strings, and sbom', () => {
    expect(
      service(
        '    platforms: [linux/amd64, linux/arm64, linux/arm/v7]\n' +
          "    build-args:\n      GO_VERSION: '1.23'\n      _private: ''\n      HTTP_PROXY: http://proxy:3128\n" +
          '    sbom: true\n',
      ),
    ).toMatchObject({
      platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'],
      buildArgs: { GO_VERSION: '1.23', _private: '', HTTP_PROXY: 'http://proxy:3128' },
      sbom: true,
    });
  });

  it('requires attestation in the last environment only, unless the config says otherwise', () => {
    const chain = (text: string) =>
      parseConfig(configWith(text), FILE).environments.map((env) => [env.name, env.requireAttestation]);
    expect(chain('  - name: dev\n  - name: uat\n  - name: prod\n')).toEqual([
      ['dev', false],
      ['uat', false],
      ['prod', true],
    ]);
    expect(
      chain(
        '  - name: dev\n  - name: uat\n    require-attestation: true\n  - name: prod\n    require-attestation: false\n',
      ),
    ).toEqual([
      ['dev', false],
      ['uat', true],
      ['prod', false],
    ]);
  });

  // [what, service lines (line 7 is the first), line, column, message]
  const refusals: [string, string, number, number, string][] = [
    [
      'a platform without an architecture',
      '    platforms: [linux]\n',
      7,
      17,
      "'platforms' in service 'api': 'linux' is not a platform os/arch[/variant] in lowercase",
    ],
    [
      'a platform in upper case',
      '    platforms:\n      - linux/amd64\n      - Linux/ARM64\n',
      9,
      9,
      "'platforms' in service 'api': 'Linux/ARM64' is not a platform os/arch[/variant]",
    ],
    [
      'a platform with a tag-like suffix',
      '    platforms: ["linux/amd64:1"]\n',
      7,
      17,
      "'platforms' in service 'api': 'linux/amd64:1' is not a platform",
    ],
    [
      'a platform listed twice',
      '    platforms: [linux/amd64, linux/amd64]\n',
      7,
      30,
      "'platforms' in service 'api' lists 'linux/amd64' twice",
    ],
    [
      'no platform',
      '    platforms: []\n',
      7,
      16,
      "'platforms' in service 'api' must list at least one platform",
    ],
    [
      'platforms as one string',
      '    platforms: linux/amd64,linux/arm64\n',
      7,
      16,
      "'platforms' in service 'api' must be a list of strings",
    ],
    [
      'a build argument name with a hyphen',
      '    build-args:\n      GO-VERSION: x\n',
      8,
      7,
      "'build-args' in service 'api': 'GO-VERSION' is not a build argument name: a letter or _, then letters, digits and _",
    ],
    [
      'a build argument name starting with a digit',
      '    build-args:\n      1X: x\n',
      8,
      7,
      "'build-args' in service 'api': '1X' is not a build argument name",
    ],
    [
      'a build argument that is a number',
      '    build-args:\n      GO_VERSION: 1.10\n',
      8,
      19,
      "'build-args' in service 'api': the value of GO_VERSION must be a string (quote numbers and booleans)",
    ],
    [
      'a build argument that is a list',
      '    build-args:\n      TAGS: [a, b]\n',
      8,
      13,
      "'build-args' in service 'api': the value of TAGS must be a string",
    ],
    [
      'a build argument over two lines',
      '    build-args:\n      NOTE: |\n        one\n        two\n',
      8,
      13,
      "'build-args' in service 'api': the value of NOTE must be one line",
    ],
    ['build-args as a list', '    build-args: [A=1]\n', 7, 17, "'build-args' must be a mapping"],
    ['sbom that is not a boolean', '    sbom: yes\n', 7, 11, "'sbom' in service 'api' must be true or false"],
  ];
  it.each(refusals)('refuses %s at its line', (_name, text, line, column, message) => {
    const { message: actual, ...location } = failure(
      configWith('  - name: dev\n', `  - name: api\n    image: a/api\n${text}`),
    );
    expect(location).toEqual({ line, column });
    expect(actual.startsWith(message), actual).toBe(true);
  });

  it('asks releases to attest while any environment requires attestation', () => {
    expect(attestationRequired(parseConfig(configWith('  - name: dev\n  - name: prod\n')))).toBe(true);
    expect(
      attestationRequired(
        parseConfig(configWith('  - name: dev\n  - name: prod\n    require-attestation: false\n')),
      ),
    ).toBe(false);
  });

  it('refuses a require-attestation that is not a boolean, at its line', () => {
    const { message, ...location } = failure(
      configWith('  - name: dev\n  - name: prod\n    require-attestation: "true"\n'),
    );
    expect(location).toEqual({ line: 5, column: 26 });
    expect(message).toBe("'require-attestation' in environment 'prod' must be true or false");
  });
});
