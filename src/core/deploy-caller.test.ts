import { describe, expect, it } from 'vitest';
import { deployCallerProblem } from './deploy-caller.js';

const CALLER = 'on:\n  pull_request:\n    types: [closed]\n  workflow_dispatch:\n    inputs: {}\njobs: {}\n';

describe('deployCallerProblem: the workflow a GITHUB_TOKEN merge dispatches', () => {
  it('takes a caller with a workflow_dispatch trigger, in any YAML form of on:', () => {
    expect(deployCallerProblem('overlay-deploy.yaml', CALLER, 'acme/gitops')).toBeUndefined();
    expect(
      deployCallerProblem('deploy.yml', 'on: [workflow_dispatch, push]\n', 'acme/gitops'),
    ).toBeUndefined();
    expect(deployCallerProblem('deploy.yml', 'on: workflow_dispatch\n', 'acme/gitops')).toBeUndefined();
  });

  it('says what to fix for a missing file, a file without the trigger, and a bad name', () => {
    expect(deployCallerProblem('deploy.yaml', undefined, 'acme/gitops')).toBe(
      "'deploy.yaml' is not a workflow of acme/gitops (no .github/workflows/deploy.yaml): name the caller of overlay-deploy.yaml in acme/gitops (npm run init writes .github/workflows/overlay-deploy.yaml)",
    );
    expect(deployCallerProblem('deploy.yaml', 'on: [push]\n', 'acme/gitops')).toMatch(
      /^'deploy\.yaml' \(\.github\/workflows\/deploy\.yaml of acme\/gitops\) has no workflow_dispatch trigger/,
    );
    expect(deployCallerProblem('../ci.yaml', CALLER, 'acme/gitops')).toMatch(
      /^'\.\.\/ci\.yaml' is not a workflow file name/,
    );
    expect(deployCallerProblem('deploy.yaml', 'on: [\n', 'acme/gitops')).toMatch(/is not valid YAML/);
  });
});
