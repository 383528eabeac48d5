// Teams of the organization that owns the repository, as far as the suite reads them: a team by
// slug and a person's membership of it (who may release or promote by hand). Answered the way
// GitHub answers each kind of token: GITHUB_TOKEN cannot see the organization's teams at all.
import { HttpError, notFound } from './errors.js';
import type { Handler, RouteContext } from './handler.js';
import { isoNow, organizationWebhookObject, teamObject } from './objects.js';
import type { RepoContext } from './objects.js';

/**
 * The team named by the path, or GitHub's refusal: 404 for another organization, a user-owned
 * repository, an unknown team and (as GitHub hides the organization from it) a GITHUB_TOKEN; 403
 * for a token without the Members permission.
 */
function visibleTeam(c: RouteContext): { slug: string; members: string[] } {
  const { ctx } = c.store;
  const org = c.params['org'] ?? '';
  if (ctx.ownerType !== 'Organization' || org.toLowerCase() !== ctx.owner.toLowerCase()) throw notFound();
  if (c.identity.isGithubToken) throw notFound();
  if (c.identity.orgMembers === 'none') {
    throw new HttpError(403, {
      message:
        c.identity.type === 'Bot'
          ? 'Resource not accessible by integration'
          : 'Resource not accessible by personal access token',
    });
  }
  const slug = (c.params['team_slug'] ?? '').toLowerCase();
  const members = c.store.options.teams?.[slug];
  if (!members) throw notFound();
  return { slug, members };
}

/** `team-full`: the team with its counts and its organization. */
function teamFullObject(ctx: RepoContext, slug: string, members: number): Record<string, unknown> {
  const org = organizationWebhookObject(ctx);
  return {
    ...teamObject(ctx, slug),
    members_count: members,
    repos_count: 1,
    created_at: ctx.createdAt,
    updated_at: ctx.createdAt,
    organization: {
      ...org,
      name: ctx.owner,
      html_url: `${ctx.html}/${ctx.owner}`,
      has_organization_projects: true,
      has_repository_projects: true,
      public_repos: 1,
      public_gists: 0,
      followers: 0,
      following: 0,
      type: 'Organization',
      created_at: ctx.createdAt,
      updated_at: isoNow(),
      archived_at: null,
    },
  };
}

const getByName: Handler = async (c) => {
  const team = visibleTeam(c);
  return { status: 200, body: teamFullObject(c.store.ctx, team.slug, team.members.length) };
};

const getMembership: Handler = async (c) => {
  const team = visibleTeam(c);
  const username = c.params['username'] ?? '';
  if (!team.members.some((login) => login.toLowerCase() === username.toLowerCase())) throw notFound();
  const { ctx } = c.store;
  const id = teamObject(ctx, team.slug)['id'] as number;
  return {
    status: 200,
    body: {
      url: `${ctx.api}/organizations/${ctx.ownerId}/team/${id}/memberships/${encodeURIComponent(username)}`,
      role: 'member',
      state: 'active',
    },
  };
};

export const teamsHandlers: Record<string, Handler> = {
  'teams/get-by-name': getByName,
  'teams/get-membership-for-user-in-org': getMembership,
};
