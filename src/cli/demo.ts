// `npm run demo [-- --service <name> --version <v> --token-mode app|github-token]`: the whole
// dev -> uat -> prod promotion on this machine, driven by the repository's real workflow files.
import { parseArgs } from 'node:util';
import { MissingToolsError, playPromotion, startSandbox, type DemoResult } from '../sandbox/demo.js';

function report(result: DemoResult, tokenMode: string): string {
  const lines = ['', 'What runs where (from the overlays on main):', '', result.table, '', 'Pull requests:'];
  for (const pull of result.pulls)
    lines.push(
      `  #${pull.number} ${pull.state.padEnd(6)} ${pull.title}${pull.mergedBy ? ` (merged by ${pull.mergedBy})` : ''}`,
    );
  lines.push('', 'Workflow runs:');
  for (const run of result.runs) lines.push(`  ${run.conclusion.padEnd(7)} ${run.file} (${run.event})`);
  lines.push('', 'Steps of docs/process.md, with the time and the GitHub API requests of each phase:');
  for (const step of result.steps)
    lines.push(
      `  ${step.process.padEnd(6)} ${step.seconds.toFixed(1).padStart(5)} s  ${String(step.apiRequests).padStart(3)} requests  ${step.title}`,
    );
  const total = result.steps.reduce((sum, step) => sum + step.seconds, 0);
  lines.push(
    `  ${'all'.padEnd(6)} ${total.toFixed(1).padStart(5)} s  ${String(result.apiRequests).padStart(3)} requests  (token mode: ${tokenMode})`,
  );
  lines.push('', 'Stood in (cannot run on this machine):');
  for (const standIn of result.standIns) lines.push(`  - ${standIn}`);
  return lines.join('\n');
}

const { values } = parseArgs({
  options: {
    service: { type: 'string', default: 'orders' },
    version: { type: 'string', default: '1.6.0' },
    'token-mode': { type: 'string', default: 'app' },
    verbose: { type: 'boolean', default: false },
  },
});
const tokenMode = values['token-mode'];
if (tokenMode !== 'app' && tokenMode !== 'github-token') {
  console.error(`--token-mode must be app or github-token, not '${tokenMode}'`);
  process.exit(2);
}

let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
try {
  console.log(
    `Sandbox: GitHub stand-in, local registry, buildah, real git and kustomize; token mode ${tokenMode}`,
  );
  sandbox = await startSandbox({
    tokenMode,
    ...(values.verbose ? { onProgress: (line: string) => console.log(`      ${line}`) } : {}),
  });
  const result = await playPromotion(sandbox, {
    service: values.service,
    version: values.version,
    log: (line) => console.log(line),
  });
  console.log(report(result, tokenMode));
} catch (error) {
  console.error(
    error instanceof MissingToolsError || !(error instanceof Error)
      ? String(error instanceof Error ? error.message : error)
      : (error.stack ?? error.message),
  );
  process.exitCode = 1;
} finally {
  await sandbox?.dispose();
}
