import { describe, expect, it } from 'vitest';
import { toolPlan } from './apt.js';

describe('toolPlan: the demo on a machine without its tools', () => {
  it('installs with apt-get as root on Debian, and says so', () => {
    expect(toolPlan(['buildah', 'docker-registry', 'buildah'], { uid: 0, debian: true })).toEqual({
      action: 'install',
      packages: ['buildah', 'docker-registry'],
      say: 'Installing buildah docker-registry with apt-get (missing; the demo runs them for real)',
    });
  });

  it('prints the one command for anyone else', () => {
    const plan = toolPlan(['docker-registry'], { uid: 1000, debian: true });
    expect(plan).toMatchObject({ action: 'print', command: 'sudo apt-get install -y docker-registry' });
    expect(toolPlan(['buildah'], { uid: 0, debian: false })).toMatchObject({
      action: 'print',
      say: expect.stringContaining('without apt-get'),
    });
  });

  it('does nothing when nothing is missing', () => {
    expect(toolPlan([], { uid: 0, debian: true })).toEqual({ action: 'none' });
  });
});
