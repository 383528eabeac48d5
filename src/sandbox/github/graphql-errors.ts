// GitHub's answers to a request it refuses (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql):
// GitHub runs graphql-ruby, whose messages differ from graphql-js's. graphql-js finds the errors;
// this file and graphql-validation.ts word them as graphql-ruby does, with its `locations`,
// `extensions` (and `path`), so a client (and a test) reads what GitHub would answer. Here: syntax
// errors, variables whose values do not fit their types, and the choice of operation.
import { Kind, Lexer, Source, TokenKind, getLocation, isEnumType, print } from 'graphql';
import type { ASTNode, GraphQLError, GraphQLSchema, Token, VariableDefinitionNode } from 'graphql';

export interface GraphqlErrorJson {
  message: string;
  type?: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** Where graphql-ruby reports an error at `node`. */
export function locationOf(node: ASTNode): { line: number; column: number }[] {
  return node.loc ? [{ line: node.loc.startToken.line, column: node.loc.startToken.column }] : [];
}

/** The quoted parts of a graphql-js message, which some refusals are known by. */
export const quoted = (message: string, pattern: RegExp): string[] => pattern.exec(message)?.slice(1) ?? [];

// ---- syntax ----------------------------------------------------------------------------------

/** graphql-ruby's lexer names for graphql-js's tokens. */
const TOKEN_NAMES: Partial<Record<TokenKind, string>> = {
  [TokenKind.BANG]: 'BANG',
  [TokenKind.DOLLAR]: 'VAR_SIGN',
  [TokenKind.AMP]: 'AMP',
  [TokenKind.PAREN_L]: 'LPAREN',
  [TokenKind.PAREN_R]: 'RPAREN',
  [TokenKind.SPREAD]: 'ELLIPSIS',
  [TokenKind.COLON]: 'COLON',
  [TokenKind.EQUALS]: 'EQUALS',
  [TokenKind.AT]: 'DIR_SIGN',
  [TokenKind.BRACKET_L]: 'LBRACKET',
  [TokenKind.BRACKET_R]: 'RBRACKET',
  [TokenKind.BRACE_L]: 'LCURLY',
  [TokenKind.PIPE]: 'PIPE',
  [TokenKind.BRACE_R]: 'RCURLY',
  [TokenKind.INT]: 'INT',
  [TokenKind.FLOAT]: 'FLOAT',
  [TokenKind.STRING]: 'STRING',
  [TokenKind.BLOCK_STRING]: 'STRING',
};

/** Names graphql-ruby's lexer reads as keywords rather than IDENTIFIER. */
const KEYWORDS = new Set(
  'on fragment true false null query mutation subscription schema scalar type extend implements interface union enum input directive repeatable'.split(
    ' ',
  ),
);

function tokenName(token: Token): string {
  if (token.kind !== TokenKind.NAME) return TOKEN_NAMES[token.kind] ?? token.kind;
  return KEYWORDS.has(token.value) ? token.value.toUpperCase() : 'IDENTIFIER';
}

/**
 * graphql-ruby's parse error, `Parse error on "}" (RCURLY) at [4, 3]`: the token graphql-js stopped
 * at, re-read with graphql-js's lexer to name it; a character no token starts with is `(error)`.
 */
export function rubySyntaxError(query: string, error: GraphQLError): GraphqlErrorJson {
  const source = new Source(query);
  const offset = error.positions?.[0] ?? query.length;
  const lexer = new Lexer(source);
  let at: { text: string; name: string; start: number } | undefined;
  let end = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (token.start >= offset) {
        at = { text: token.value ?? token.kind, name: tokenName(token), start: token.start };
        break;
      }
      end = token.end;
    }
  } catch {
    const start = end + (/^(?:[\s,\uFEFF]|#[^\n\r]*)*/.exec(query.slice(end))?.[0].length ?? 0);
    at = { text: query.charAt(start), name: 'error', start };
  }
  if (!at) return { message: 'Unexpected end of document', locations: [] };
  const { line, column } = getLocation(source, at.start);
  return {
    message: `Parse error on ${JSON.stringify(at.text)} (${at.name}) at [${line}, ${column}]`,
    locations: [{ line, column }],
  };
}

// ---- variables and the operation -------------------------------------------------------------

interface Problem {
  path: (string | number)[];
  explanation: string;
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);
}

/** graphql-ruby's explanation of why a variable's value does not fit its type. */
function problemOf(schema: GraphQLSchema, value: unknown, error: GraphQLError): Problem {
  const reason = error.originalError?.message;
  // graphql-js's message is `Variable "$x" got invalid value V at "x.a[0]"; <reason>`.
  const where = reason
    ? /at "[^".[]*(.*)"$/.exec(error.message.slice(0, -reason.length - 2))?.[1]
    : undefined;
  const path: (string | number)[] = [...(where ?? '').matchAll(/\.(\w+)|\[(\d+)\]/g)].map(
    (m) => m[1] ?? Number(m[2]),
  );
  const at = valueAt(value, path);
  if (!reason || /not to be null\.$/.test(reason))
    return { path, explanation: 'Expected value to not be null' };
  const [missing] = quoted(reason, /^Field "(\w+)" of required type ".+" was not provided\.$/);
  if (missing) return { path: [...path, missing], explanation: 'Expected value to not be null' };
  const [extra, objectType] = quoted(reason, /^Field "(\w+)" is not defined by type "(\w+)"\.$/);
  if (extra) return { path: [...path, extra], explanation: `Field is not defined on ${objectType}` };
  const [enumName] = quoted(reason, /in "(\w+)" enum\.$|^Enum "(\w+)" cannot represent/).filter(Boolean);
  const enumType = enumName ? schema.getType(enumName) : undefined;
  if (enumType && isEnumType(enumType)) {
    const names = enumType.getValues().map((v) => v.name);
    return { path, explanation: `Expected ${JSON.stringify(at)} to be one of: ${names.join(', ')}` };
  }
  if (/^Expected type ".+" to be an object\.$/.test(reason))
    return { path, explanation: `Expected ${JSON.stringify(at)} to be a key-value object.` };
  const [scalar] = quoted(reason, /^(\w+) cannot represent/);
  if (scalar) return { path, explanation: `Could not coerce value ${JSON.stringify(at)} to ${scalar}` };
  return { path, explanation: reason };
}

/** graphql-js reports each bad value; graphql-ruby one error a variable, listing its problems. */
export function rubyVariableErrors(
  schema: GraphQLSchema,
  inputs: Record<string, unknown>,
  errors: readonly GraphQLError[],
): GraphqlErrorJson[] {
  const byVariable = new Map<VariableDefinitionNode, Problem[]>();
  const other: GraphqlErrorJson[] = [];
  for (const error of errors) {
    const definition = error.nodes?.[0];
    if (definition?.kind !== Kind.VARIABLE_DEFINITION) {
      other.push({ message: error.message });
      continue;
    }
    const name = definition.variable.name.value;
    byVariable.set(definition, [
      ...(byVariable.get(definition) ?? []),
      problemOf(schema, inputs[name], error),
    ]);
  }
  return [
    ...[...byVariable].map(([definition, problems]) => {
      const name = definition.variable.name.value;
      const fields = problems
        .filter((p) => p.path.length > 0)
        .map((p) => `${p.path.join('.')} (${p.explanation})`);
      return {
        message: `Variable $${name} of type ${print(definition.type)} was provided invalid value${fields.length > 0 ? ` for ${fields.join(', ')}` : ''}`,
        locations: locationOf(definition.variable),
        extensions: { value: inputs[name] ?? null, problems },
      };
    }),
    ...other,
  ];
}

/** graphql-ruby's answer when the document's operations do not say which one to run. */
export function rubyOperationError(operationName: string | undefined): GraphqlErrorJson {
  return {
    message:
      operationName === undefined ? 'An operation name is required' : `No operation named "${operationName}"`,
  };
}
