import { InputError, quoted } from './errors.js';

/**
 * Environment and service names become path segments (`overlays/<env>`), branch
 * names (`release/<service>/<env>`) and Kubernetes labels, so they follow the
 * DNS label rule: lowercase letters, digits and '-', starting with a letter,
 * ending with a letter or digit, at most 63 characters.
 */
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const NAME_RULE =
  "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters";

export function isValidName(name: string): boolean {
  return DNS_LABEL.test(name);
}

/** What is wrong with a value as a name, or undefined when it is one. */
export function nameProblem(value: string): string | undefined {
  if (value === '') return `is required (${NAME_RULE})`;
  if (!isValidName(value)) return `${quoted(value)} is not a valid name: use ${NAME_RULE}`;
  return undefined;
}

/** Throws an InputError naming the input when the value is not a valid name. */
export function checkName(input: string, value: string): string {
  const problem = nameProblem(value);
  if (problem) throw new InputError(input, problem);
  return value;
}

export const PROMOTION_BRANCH_PREFIX = 'release/';

export function promotionBranch(service: string, environment: string): string {
  return `${PROMOTION_BRANCH_PREFIX}${service}/${environment}`;
}

/** Reads `release/<service>/<env>` back; undefined for any other branch. */
export function parsePromotionBranch(ref: string): { service: string; environment: string } | undefined {
  const branch = ref.replace(/^refs\/heads\//, '');
  const match = /^release\/([^/]+)\/([^/]+)$/.exec(branch);
  if (!match?.[1] || !match[2] || !isValidName(match[1]) || !isValidName(match[2])) return undefined;
  return { service: match[1], environment: match[2] };
}
