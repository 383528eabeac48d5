// Image digests, as the OCI image spec defines them (descriptor.md, "Digests"): `algorithm:encoded`,
// and for the registered algorithms sha256 the encoded part MUST match /[a-f0-9]{64}/ and for
// sha512 /[a-f0-9]{128}/ ("[A-F] MUST NOT be used"). Other algorithms are not registered, and
// registries and kustomize cannot be relied on to resolve them, so they are refused.
import { InputError, quoted } from './errors.js';

const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export const DIGEST_RULE = "an OCI image digest: 'sha256:' and 64 lowercase hex digits, or 'sha512:' and 128";

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** What is wrong with a value as an image digest, or undefined when it is one. */
export function digestProblem(value: string): string | undefined {
  return isDigest(value) ? undefined : `${quoted(value)} is not ${DIGEST_RULE}`;
}

export function checkDigest(input: string, value: string): string {
  const problem = digestProblem(value);
  if (problem) throw new InputError(input, problem);
  return value;
}
