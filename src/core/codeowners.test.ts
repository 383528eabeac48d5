import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeOwnersOf, reviewersBeyondCodeOwners } from './codeowners.js';
import { parseConfig } from './config.js';

// The example file of GitHub's "About code owners" page, with what the page says each line owns.
const GITHUB_EXAMPLE = `
# These owners will be the default owners for everything in
# the repo. Unless a later match takes precedence,
# @global-owner1 and @global-owner2 will be requested for
# review when someone opens a pull request.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most
# precedence. When someone opens a pull request that only
# modifies JS files, only @js-owner and not the global
# owner(s) will be requested for a review.
*.js    @js-owner #This is an inline comment.

# You can also use email addresses if you prefer. They'll be
# used to look up users just like we do for commit author
# emails.
*.go docs@example.com

# Teams can be specified as code owners as well.
*.txt @octo-org/octocats

# In this example, @doctocat owns any files in the build/logs
# directory at the root of the repository and any of its
# subdirectories.
/build/logs/ @doctocat

# The \`docs/*\` pattern will match files like
# \`docs/getting-started.md\` but not further nested files like
# \`docs/build-app/troubleshooting.md\`.
docs/*  docs@example.com

# In this example, @octocat owns any file in an apps directory
# anywhere in your repository.
apps/ @octocat

# In this example, @doctocat owns any file in the \`/docs\`
# directory in the root of your repository and any of its
# subdirectories.
/docs/ @doctocat

# In this example, any change inside the \`/scripts\` directory
# will require approval from @doctocat or @octocat.
/scripts/ @doctocat @octocat

# In this example, @octocat owns any file in a \`/logs\` directory such as
# \`/build/logs\`, \`/scripts/logs\`, and \`/deeply/nested/logs\`. Any changes
# in a \`/logs\` directory will require approval from @octocat.
**/logs @octocat

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as its owners are left empty. Without an owner, changes
# to \`apps/github\` can be made with the approval of any user who has
# write access to the repository.
/apps/ @octocat
/apps/github

# In this example, @octocat owns any file in the \`/apps\`
# directory in the root of your repository except for the \`/apps/github\`
# subdirectory, as this subdirectory has its own owner @doctocat
/apps/ @octocat
/apps/github @doctocat
`;

const owners = (path: string, text = GITHUB_EXAMPLE) => codeOwnersOf(text, path, 'octo-org');

describe('codeOwnersOf, on the example of GitHub\'s "About code owners" page', () => {
  it('the last matching line wins; teams of the organization and users are read, emails are not', () => {
    expect(owners('README.md')).toEqual({ users: ['global-owner1', 'global-owner2'], teams: [] });
    expect(owners('src/index.js')).toEqual({ users: ['js-owner'], teams: [] });
    expect(owners('notes/a.txt')).toEqual({ users: [], teams: ['octocats'] });
    expect(owners('main.go')).toEqual({ users: [], teams: [] });
  });

  it('folders: anchored, anywhere, nested, and a line without owners', () => {
    expect(owners('build/logs/today/out.log')).toEqual({ users: ['octocat'], teams: [] });
    expect(owners('scripts/deploy.sh')).toEqual({ users: ['doctocat', 'octocat'], teams: [] });
    expect(owners('deeply/nested/logs/x.md')).toEqual({ users: ['octocat'], teams: [] });
    expect(owners('web/apps/x.md')).toEqual({ users: ['octocat'], teams: [] });
    expect(owners('apps/github/x.md')).toEqual({ users: ['doctocat'], teams: [] });
    const ownerless = '/apps/ @octocat\n/apps/github\n';
    expect(codeOwnersOf(ownerless, 'apps/web/x.md', 'acme')).toEqual({ users: ['octocat'], teams: [] });
    expect(codeOwnersOf(ownerless, 'apps/github/x.md', 'acme')).toEqual({ users: [], teams: [] });
  });

  it('`docs/*` owns files directly in docs/ only; where that decides, a nested file is not guessed', () => {
    const text = '* @everyone\ndocs/* @docs-team\n';
    expect(codeOwnersOf(text, 'docs/getting-started.md', 'acme')).toEqual({
      users: ['docs-team'],
      teams: [],
    });
    expect(codeOwnersOf(text, 'docs/build-app/troubleshooting.md', 'acme')).toBeUndefined();
    expect(codeOwnersOf(text, 'src/docs.md', 'acme')).toEqual({ users: ['everyone'], teams: [] });
  });

  it('a line in syntax GitHub does not support makes the answer unknown only where it could decide', () => {
    const text = '/overlays/uat/ @acme/uat\n[abc]/ @someone\n';
    expect(codeOwnersOf(text, 'overlays/uat/kustomization.yaml', 'acme')).toBeUndefined();
    expect(
      codeOwnersOf('[abc]/ @someone\n/overlays/uat/ @acme/uat\n', 'overlays/uat/kustomization.yaml', 'acme'),
    ).toEqual({
      users: [],
      teams: ['uat'],
    });
  });

  it("teams of another organization are not the repository owner's teams", () => {
    expect(
      codeOwnersOf('/overlays/ @other/uat @Acme/UAT-Approvers\n', 'overlays/uat/k.yaml', 'acme'),
    ).toEqual({
      users: [],
      teams: ['uat-approvers'],
    });
  });

  it('`**` in the middle and at the end', () => {
    const text = 'overlays/**/kustomization.yaml @acme/k\n/base/** @acme/base\n';
    expect(codeOwnersOf(text, 'overlays/kustomization.yaml', 'acme')).toEqual({ users: [], teams: ['k'] });
    expect(codeOwnersOf(text, 'overlays/a/b/kustomization.yaml', 'acme')).toEqual({
      users: [],
      teams: ['k'],
    });
    expect(codeOwnersOf(text, 'base/orders/deployment.yaml', 'acme')).toEqual({ users: [], teams: ['base'] });
    expect(codeOwnersOf(text, 'base', 'acme')).toEqual({ users: [], teams: [] });
  });
});

describe('reviewersBeyondCodeOwners', () => {
  it("the repository's own CODEOWNERS already asks the uat and prod teams the config names", () => {
    const codeowners = readFileSync('.github/CODEOWNERS', 'utf8');
    const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
    for (const environment of config.environments) {
      const path = `${environment.overlay}/kustomization.yaml`;
      expect(reviewersBeyondCodeOwners(environment.reviewers, codeowners, path, 'acme')).toEqual({
        users: [],
        teams: [],
      });
    }
    expect(config.environments.some((env) => env.reviewers.teams.length > 0)).toBe(true);
  });

  it('asks for reviewers CODEOWNERS does not name, and for everyone when CODEOWNERS is absent or unreadable', () => {
    const reviewers = { users: ['Alice', 'bob'], teams: ['uat-approvers', 'sre'] };
    const codeowners = '/overlays/uat/ @acme/uat-approvers @alice\n';
    expect(
      reviewersBeyondCodeOwners(reviewers, codeowners, 'overlays/uat/kustomization.yaml', 'acme'),
    ).toEqual({
      users: ['bob'],
      teams: ['sre'],
    });
    expect(
      reviewersBeyondCodeOwners(reviewers, codeowners, 'overlays/prod/kustomization.yaml', 'acme'),
    ).toEqual(reviewers);
    expect(
      reviewersBeyondCodeOwners(reviewers, undefined, 'overlays/uat/kustomization.yaml', 'acme'),
    ).toEqual(reviewers);
    expect(
      reviewersBeyondCodeOwners(
        reviewers,
        '/overlays/uat/ @acme/uat-approvers\n!x @y\n',
        'overlays/uat/kustomization.yaml',
        'acme',
      ),
    ).toEqual(reviewers);
  });
});
