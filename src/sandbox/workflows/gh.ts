/**
 * A `gh` for `run:` steps: the GitHub CLI needs github.com, so the sandbox puts this stand-in first
 * on PATH. It supports exactly one command, the one the workflows use:
 *
 *   gh workflow run <workflow> [--ref <ref>] [-f key=value | -F key=value]... [-R owner/repo]
 *
 * which it turns into `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches` on the
 * GitHub stand-in, authenticated with GH_TOKEN (or GITHUB_TOKEN) as the real gh is on a runner.
 * Anything else fails loudly. Each call is appended to GH_STANDIN_LOG so the runner can list the
 * step as stood in for.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SCRIPT = String.raw`// gh (sandbox stand-in): see src/sandbox/workflows/gh.ts
import { appendFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const say = (text) => process.stderr.write('gh (sandbox stand-in): ' + text + '\n');
const log = (entry) => {
  if (process.env.GH_STANDIN_LOG) appendFileSync(process.env.GH_STANDIN_LOG, JSON.stringify(entry) + '\n');
};
const fail = (text, code = 1) => {
  process.stderr.write(text + '\n');
  log({ argv, ok: false, error: text });
  process.exit(code);
};

if (argv[0] !== 'workflow' || argv[1] !== 'run' || !argv[2] || argv[2].startsWith('-')) {
  fail('gh (sandbox stand-in): only "gh workflow run <workflow> [--ref <ref>] [-f key=value]..." is supported here; got: gh ' + argv.join(' '));
}
const workflow = argv[2];
let ref;
let repo = process.env.GH_REPO;
const inputs = {};
for (let i = 3; i < argv.length; i++) {
  const arg = argv[i];
  const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
  const value = () => {
    if (inline !== undefined) return inline;
    if (i + 1 >= argv.length) fail('flag needs an argument: ' + flag);
    return argv[++i];
  };
  if (flag === '--ref' || flag === '-r') ref = value();
  else if (flag === '--repo' || flag === '-R') repo = value();
  else if (flag === '-f' || flag === '--raw-field' || flag === '-F' || flag === '--field') {
    const pair = value();
    const eq = pair.indexOf('=');
    if (eq <= 0) fail('invalid field: ' + pair);
    const raw = pair.slice(eq + 1);
    if ((flag === '-F' || flag === '--field') && raw.startsWith('@')) fail('gh (sandbox stand-in): -F key=@file is not supported');
    inputs[pair.slice(0, eq)] = raw;
  } else fail('gh (sandbox stand-in): unsupported flag for "gh workflow run": ' + arg);
}
const token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN;
if (!token) {
  fail('gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: $' + '{{ github.token }}', 4);
}
if (!repo || !/^[^/]+\/[^/]+$/.test(repo)) {
  fail('none of the git remotes configured for this repository point to a known GitHub host. To tell gh about a new GitHub host, please use ' + '"gh auth login" (set GH_REPO=owner/repo)');
}
const api = process.env.GH_STANDIN_API_URL;
if (!api) fail('gh (sandbox stand-in): GH_STANDIN_API_URL is not set (the sandbox runner sets it)');
const headers = {
  accept: 'application/vnd.github+json',
  authorization: 'token ' + token,
  'content-type': 'application/json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'gh-sandbox-stand-in',
};
const [owner, name] = repo.split('/');
if (!ref) {
  const response = await fetch(api + '/repos/' + owner + '/' + name, { headers });
  if (!response.ok) fail('HTTP ' + response.status + ': could not read the repository to find its default branch');
  ref = (await response.json()).default_branch;
}
say('gh workflow run ' + workflow + ' --ref ' + ref + Object.entries(inputs).map(([k, v]) => ' -f ' + k + '=' + v).join('') + ' -> POST ' + api + '/repos/' + repo + '/actions/workflows/' + workflow + '/dispatches');
const response = await fetch(api + '/repos/' + owner + '/' + name + '/actions/workflows/' + encodeURIComponent(workflow) + '/dispatches', {
  method: 'POST',
  headers,
  body: JSON.stringify({ ref, inputs }),
});
if (response.status !== 204) {
  const text = await response.text();
  let message = text;
  try { message = JSON.parse(text).message; } catch {}
  fail('could not create workflow dispatch event: HTTP ' + response.status + ': ' + message);
}
log({ argv, ok: true, workflow, ref, inputs, repo });
process.stdout.write('✓ Created workflow_dispatch event for ' + workflow + ' at ' + ref + '\n');
`;

/**
 * Writes the stand-in into `binDir` as `gh` (a shell wrapper running the script with this node),
 * so it works whatever the file modes in the checkout are.
 */
export async function installGhStandIn(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true });
  const script = join(binDir, 'gh-stand-in.mjs');
  const wrapper = join(binDir, 'gh');
  await writeFile(script, SCRIPT);
  await writeFile(
    wrapper,
    `#!/bin/sh\n# gh (sandbox stand-in): see src/sandbox/workflows/gh.ts\nexec '${process.execPath.replace(/'/g, `'\\''`)}' '${script.replace(/'/g, `'\\''`)}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  return wrapper;
}
