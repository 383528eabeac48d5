// The published package's one program, `gitops-promotion <command> [options]` (so
// `npx gitops-promotion init --target . --suite acme/gitops-promotion@v1 --services orders`): the
// commands a GitOps repository's maintainers run, bundled with their dependencies by
// `node scripts/bundle.mjs --cli` (npm runs it before packing). The sandbox commands (demo, bench)
// stay with the suite's own checkout, where `npm run <command>` starts each of these too.
import { ghesWorkflowsCommand } from './ghes-workflows.js';
import { init } from './init.js';
import { setupRepo } from './setup-repo.js';
import { status } from './status.js';
import { startedAsProgram, terminalIo, type CommandIo } from './args.js';

const COMMANDS: Record<string, { run: (io: CommandIo) => Promise<number>; summary: string }> = {
  init: { run: init, summary: "write a GitOps repository's caller workflows, config and overlays" },
  'setup-repo': {
    run: setupRepo,
    summary: 'apply (or --check) the repository settings the promotion gates rest on',
  },
  status: { run: status, summary: 'what runs where: versions per service and environment, open PRs' },
  'ghes-workflows': {
    run: ghesWorkflowsCommand,
    summary: "rewrite the suite's workflows for GitHub Enterprise Server",
  },
};

export const USAGE = `usage: gitops-promotion <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(16)}${summary}`)
  .join('\n')}

'gitops-promotion <command> --help' tells a command's options.`;

/** The commands' usage texts name `npm run <command> --`, the suite checkout's form; this program's is shorter. */
const asProgram = (write: (line: string) => void) => (line: string) =>
  write(line.replace(/^usage: npm run ([\w-]+) -- /gm, 'usage: gitops-promotion $1 '));

export async function main(io: CommandIo): Promise<number> {
  const [name, ...argv] = io.argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`gitops-promotion: unknown command '${name.slice(0, 100)}'`);
    io.stderr(USAGE);
    return 2;
  }
  return command.run({ ...io, argv, stdout: asProgram(io.stdout), stderr: asProgram(io.stderr) });
}

if (startedAsProgram(import.meta.url)) process.exitCode = await main(terminalIo());
