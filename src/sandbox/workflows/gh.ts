/**
 * A `gh` for `run:` steps and actions: the GitHub CLI needs github.com, so the sandbox puts this
 * stand-in first on PATH. It supports exactly the commands the suite uses:
 *
 *   gh workflow run <workflow> [--ref <ref>] [-f key=value | -F key=value]... [-R owner/repo]
 *
 * which it turns into `POST /repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches` on the
 * GitHub stand-in, and
 *
 *   gh attestation verify oci://<image>@<digest> --repo <owner/repo> [--signer-workflow <w> | --signer-repo <r>] [--predicate-type <t>]
 *
 * which reads `GET /repos/{owner}/{repo}/attestations/{digest}` and applies gh's policy to the
 * certificate the sandbox issued (cli/cli pkg/cmd/attestation/verify: the SAN must match
 * `^https://github.com/<signer-workflow>`, or `(?i)^https://github.com/<repo>/` without one; the
 * SourceRepositoryURI and SourceRepositoryOwnerURI must be the repository's and its owner's; the
 * predicate type defaults to https://slsa.dev/provenance/v1), failing with gh's lines and exit code 1
 * (https://cli.github.com/manual/gh_attestation_verify). The digest is taken from the reference: the
 * registry is not asked for it.
 *
 * Both authenticate with GH_TOKEN (or GITHUB_TOKEN) as the real gh does on a runner. Anything else
 * fails loudly. Each call is appended to GH_STANDIN_LOG so the runner can list the step as stood in for.
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

const token = process.env.GH_TOKEN || process.env.GITHUB_TOKEN;
const api = process.env.GH_STANDIN_API_URL;
if (argv[0] === 'attestation' && argv[1] === 'verify') {
  await verifyAttestation(argv.slice(2));
  process.exit(0);
}

async function verifyAttestation(args) {
  const options = { 'predicate-type': 'https://slsa.dev/provenance/v1' };
  let artifact;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      if (artifact) fail('accepts 1 arg(s), received ' + (args.filter((a) => !a.startsWith('-')).length));
      artifact = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^-R$/, '--repo').replace(/^-o$/, '--owner');
    if (!['--repo', '--owner', '--signer-workflow', '--signer-repo', '--predicate-type'].includes(flag)) {
      fail('gh (sandbox stand-in): unsupported flag for "gh attestation verify": ' + arg);
    }
    options[flag.slice(2)] = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (options[flag.slice(2)] === undefined) fail('flag needs an argument: ' + flag);
  }
  if (!artifact) fail('must specify file path or container image URI, as well as one of --owner or --repo');
  if (!options.repo && !options.owner) fail('at least one of the flags in the group [owner repo] is required');
  if (options.repo && options.owner) fail('if any flags in the group [owner repo] are set none of the others can be; [owner repo] were all set');
  if (options['signer-workflow'] && options['signer-repo']) fail('if any flags in the group [cert-identity cert-identity-regex signer-repo signer-workflow] are set none of the others can be');
  if (!options.repo) fail('gh (sandbox stand-in): "gh attestation verify" is supported with --repo only');
  const reference = /^oci:\/\/(.+)@(sha256:[0-9a-f]{64})$/.exec(artifact);
  if (!reference) fail('gh (sandbox stand-in): only oci://<image>@sha256:<digest> is supported (the sandbox does not ask the registry for a digest); got ' + artifact);
  if (!token) fail('gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: $' + '{{ github.token }}', 4);
  if (!api) fail('gh (sandbox stand-in): GH_STANDIN_API_URL is not set (the sandbox runner sets it)');
  const digest = reference[2];
  const say = (line) => process.stderr.write(line + '\n');
  say('Loaded digest ' + digest + ' for ' + artifact);
  const url = api + '/repos/' + options.repo + '/attestations/' + digest + '?per_page=30&predicate_type=' + encodeURIComponent(options['predicate-type']);
  const response = await fetch(url, { headers: { accept: 'application/vnd.github+json', authorization: 'token ' + token, 'x-github-api-version': '2022-11-28', 'user-agent': 'gh-sandbox-stand-in' } });
  if (response.status !== 200) {
    let message = response.statusText;
    try { message = (await response.json()).message; } catch {}
    say('✗ Loading attestations from GitHub API failed');
    fail('\nError: HTTP ' + response.status + ': ' + message + ' (' + url.replace(api, 'https://api.github.com') + ')');
  }
  const attestations = (await response.json()).attestations || [];
  say('Loaded ' + attestations.length + (attestations.length === 1 ? ' attestation' : ' attestations') + ' from GitHub API');
  const decoded = attestations.map((a) => {
    const statement = JSON.parse(Buffer.from(a.bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    const certificate = JSON.parse(Buffer.from(a.bundle.verificationMaterial.certificate.rawBytes, 'base64').toString('utf8'));
    return { statement, certificate };
  });
  const typed = decoded.filter((a) => a.statement.predicateType === options['predicate-type']);
  if (typed.length === 0) fail('✗ No attestations found with predicate type: ' + options['predicate-type']);
  const github = 'https://github.com';
  const owner = options.repo.split('/')[0];
  const escape = (text) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  let san;
  if (options['signer-workflow']) {
    const workflow = options['signer-workflow'];
    san = /^[a-zA-Z0-9-]+\.[a-zA-Z0-9-]+.*$/.test(workflow) ? new RegExp('^https://' + workflow) : new RegExp('^' + escape(github) + '/' + workflow);
  } else if (options['signer-repo']) san = new RegExp('^' + escape(github + '/' + options['signer-repo'] + '/'), 'i');
  else san = new RegExp('^' + escape(github + '/' + options.repo + '/'), 'i');
  say('\nThe following policy criteria will be enforced:');
  say('- Predicate type must match:................ ' + options['predicate-type']);
  say('- Source Repository Owner URI must match:... ' + github + '/' + owner);
  say('- Source Repository URI must match:......... ' + github + '/' + options.repo);
  say('- Subject Alternative Name must match regex: ' + san.source);
  say('- OIDC Issuer must match:................... https://token.actions.githubusercontent.com');
  const signed = typed.filter((a) => san.test(a.certificate.subjectAlternativeName) && a.statement.subject.some((s) => 'sha256:' + s.digest.sha256 === digest));
  if (signed.length === 0) {
    say('✗ Sigstore verification failed');
    fail('\nError: verifying with issuer "GitHub, Inc."');
  }
  let lastError;
  const verified = signed.filter((a) => {
    const c = a.certificate;
    const same = (x, y) => String(x).toLowerCase() === String(y).toLowerCase();
    if (!same(c.sourceRepositoryOwnerUri, github + '/' + owner)) lastError = 'expected SourceRepositoryOwnerURI to be ' + github + '/' + owner + ', got ' + c.sourceRepositoryOwnerUri;
    else if (!same(c.sourceRepositoryUri, github + '/' + options.repo)) lastError = 'expected SourceRepositoryURI to be ' + github + '/' + options.repo + ', got ' + c.sourceRepositoryUri;
    else if (!same(c.issuer, 'https://token.actions.githubusercontent.com')) lastError = 'expected Issuer to be https://token.actions.githubusercontent.com, got ' + c.issuer;
    else return true;
    return false;
  });
  if (verified.length === 0) {
    say('✗ Policy verification failed');
    fail('\nError: ' + lastError);
  }
  say('✓ Verification succeeded!\n');
  process.stdout.write(digest + ' was attested by:\n');
  for (const a of verified) {
    const signer = a.certificate.buildSignerUri.slice(github.length + 1);
    const repo = signer.split('/').slice(0, 2).join('/');
    process.stdout.write(repo + '  ' + a.statement.predicateType + '  ' + signer.slice(repo.length + 1) + '\n');
  }
  log({ argv, ok: true, repo: options.repo, digest });
}

if (argv[0] !== 'workflow' || argv[1] !== 'run' || !argv[2] || argv[2].startsWith('-')) {
  fail('gh (sandbox stand-in): only "gh workflow run <workflow> [--ref <ref>] [-f key=value]..." and "gh attestation verify oci://<image>@<digest> --repo <owner/repo>" are supported here; got: gh ' + argv.join(' '));
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
if (!token) {
  fail('gh: To use GitHub CLI in a GitHub Actions workflow, set the GH_TOKEN environment variable. Example:\n  env:\n    GH_TOKEN: $' + '{{ github.token }}', 4);
}
if (!repo || !/^[^/]+\/[^/]+$/.test(repo)) {
  fail('none of the git remotes configured for this repository point to a known GitHub host. To tell gh about a new GitHub host, please use ' + '"gh auth login" (set GH_REPO=owner/repo)');
}
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
