// One action run's process, as far as the GitHub API goes: the suite's own Octokit (its throttling
// plugin queues per process) creating deployments. Prints what each request answered and the
// warnings it gave as one JSON line. Env: GITHUB_API_URL, TOKEN, REQUESTS.
import { createOctokit } from '../../src/adapters/github.js';

const warnings: string[] = [];
const octokit = createOctokit(process.env.TOKEN ?? '', { warning: (line) => warnings.push(line) });
const statuses = await Promise.all(
  Array.from({ length: Number(process.env.REQUESTS ?? '1') }, () =>
    octokit.rest.repos
      .createDeployment({
        owner: 'acme',
        repo: 'platform',
        ref: 'main',
        environment: 'dev',
        auto_merge: false,
        required_contexts: [],
      })
      .then(
        (answer) => answer.status,
        (error: { status?: number }) => error.status ?? 0,
      ),
  ),
);
console.log(JSON.stringify({ statuses, warnings }));
