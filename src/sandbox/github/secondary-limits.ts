// GitHub's secondary rate limit on content creation, as the stand-in enforces it.
// https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits:
// "no more than 80 content-generating requests per minute and no more than 500 content-generating
// requests per hour"; content creation "include[s] actions taken on the GitHub web interface as well
// as via the REST API and GraphQL API"; POST, PATCH, PUT and DELETE and GraphQL mutations are the
// requests that cost 5 points instead of 1.
// https://docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors:
// over a secondary limit GitHub answers 403 (or 429) with a message saying so, and a `retry-after`
// header "you should not retry your request until after that many seconds has elapsed".
// https://docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api: the
// mutative requests are POST, PATCH, PUT and DELETE.
// Limits count per identity: an App installation's tokens share one budget, a person's tokens theirs,
// and GITHUB_TOKEN is counted per repository, as its primary limit is
// (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github_token-in-github-actions).
import type { ContentLimit, Identity } from './types.js';

export type { ContentLimit };

/** GitHub's published figures: 80 a minute and 500 an hour. */
export const GITHUB_CONTENT_LIMITS: readonly ContentLimit[] = [
  { requests: 80, seconds: 60 },
  { requests: 500, seconds: 3600 },
];

export const SECONDARY_LIMIT_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

/** A content-creating request: when it arrived (ms since the epoch) and whose budget it counts on. */
export interface ContentRequest {
  at: number;
  bucket: string;
}

/** What the stand-in counted; kept with limits off too, so a bench can see what a client sent. */
export interface ContentCreation {
  /** The limits enforced, empty when off. */
  limits: readonly ContentLimit[];
  /** Content-creating requests admitted, in arrival order. */
  accepted: ContentRequest[];
  /** Content-creating requests answered 403 for going over a limit, in arrival order. */
  refused: ContentRequest[];
}

export interface ContentLimiter extends ContentCreation {
  /**
   * Counts a content-creating request of `bucket` arriving now. Undefined when admitted; else the
   * whole seconds until every window would admit it (what `retry-after` says), at least 1.
   */
  admit(bucket: string): number | undefined;
}

/** The budget an identity's requests count on. */
export function bucketOf(identity: Identity): string {
  if (identity.isGithubToken) return `GITHUB_TOKEN ${[...(identity.repositories ?? [])].sort().join(',')}`;
  return `${identity.type} ${identity.login}`;
}

export function createContentLimiter(
  limits: readonly ContentLimit[] = [],
  now: () => number = Date.now,
): ContentLimiter {
  for (const limit of limits)
    if (!(Number.isInteger(limit.requests) && limit.requests > 0 && limit.seconds > 0))
      throw new Error(
        `secondary rate limit: ${JSON.stringify(limit)} is not a positive whole number of requests per positive seconds`,
      );
  const longest = Math.max(0, ...limits.map((limit) => limit.seconds * 1000));
  const byBucket = new Map<string, number[]>();
  const accepted: ContentRequest[] = [];
  const refused: ContentRequest[] = [];
  return {
    limits,
    accepted,
    refused,
    admit(bucket) {
      const at = now();
      // Only what the longest window still sees can refuse anything.
      const times = (byBucket.get(bucket) ?? []).filter((time) => time > at - longest);
      byBucket.set(bucket, times);
      let waitMs = 0;
      for (const limit of limits) {
        const windowMs = limit.seconds * 1000;
        const inWindow = times.filter((time) => time > at - windowMs);
        if (inWindow.length < limit.requests) continue;
        // Admitted once enough of the oldest have left the window for one more to fit.
        const leaves = inWindow[inWindow.length - limit.requests]! + windowMs;
        waitMs = Math.max(waitMs, leaves - at);
      }
      if (waitMs > 0) {
        refused.push({ at, bucket });
        return Math.max(1, Math.ceil(waitMs / 1000));
      }
      times.push(at);
      accepted.push({ at, bucket });
      return undefined;
    },
  };
}

/** GitHub's answer over the limit: its message (with the request id, as GitHub words it). */
export function secondaryLimitBody(requestId: string): Record<string, unknown> {
  return {
    message:
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
      `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
    documentation_url: SECONDARY_LIMIT_DOCS,
    status: '403',
  };
}
