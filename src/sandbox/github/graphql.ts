// GitHub's GraphQL endpoint (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql),
// on graphql-js and GitHub's published schema (@octokit/graphql-schema): a document is parsed,
// validated against the whole schema, held to GitHub's node limits
// (https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api),
// checked to ask only for what the stand-in models, then executed over the store. Anything GitHub
// would refuse is refused with GitHub's (graphql-ruby's) words, errors and no data.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  buildClientSchema,
  execute,
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  parse,
  separateOperations,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { DocumentNode, GraphQLFieldResolver, GraphQLSchema, IntrospectionQuery } from 'graphql';
import { locationOf, rubyOperationError, rubySyntaxError, rubyVariableErrors } from './graphql-errors.js';
import type { GraphqlErrorJson } from './graphql-errors.js';
import { RESOLVERS, Refusal, isModeled, resolveType } from './graphql-resolvers.js';
import type { Context } from './graphql-resolvers.js';
import { rubyValidationErrors } from './graphql-validation.js';
import { GraphqlError } from './errors.js';
import type { Identity } from './types.js';

let schema: GraphQLSchema | undefined;

/**
 * GitHub's schema, built once per process. From schema.json: buildClientSchema of it takes about
 * half the time buildSchema takes for schema.graphql, whose SDL (which repeats some fields) also
 * only builds unchecked. The package is not imported: its entry point builds a schema of its own.
 */
export function githubSchema(): GraphQLSchema {
  if (!schema) {
    const require = createRequire(import.meta.url);
    const dirs = require.resolve.paths('@octokit/graphql-schema') ?? [];
    const file = dirs.map((dir) => join(dir, '@octokit', 'graphql-schema', 'schema.json')).find(existsSync);
    if (!file) throw new Error('@octokit/graphql-schema is not installed');
    // GitHub publishes a valid schema; graphql-js need not check it again on every start.
    schema = buildClientSchema(JSON.parse(readFileSync(file, 'utf8')) as IntrospectionQuery, {
      assumeValid: true,
    });
  }
  return schema;
}

/** GitHub's node limit per connection page. */
const MAX_PAGE = 100;

/**
 * GitHub's limits on connections, checked before anything runs (they need the variables' values),
 * and what the stand-in does not model, which would otherwise answer as if it were GitHub's data.
 */
function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
): { limits: GraphqlErrorJson[]; unmodeled: { field: string; error: GraphqlErrorJson }[] } {
  const limits: GraphqlErrorJson[] = [];
  const unmodeled: { field: string; error: GraphqlErrorJson }[] = [];
  const unmodeledNodes = new Set<unknown>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node, _key, _parent, _path, ancestors) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        const locations = locationOf(node);
        // What an unmodeled field selects is not modeled either: its one error says so.
        if (!isModeled(schema, parent, field.name) && !ancestors.some((a) => unmodeledNodes.has(a))) {
          unmodeledNodes.add(node);
          const name = `${parent.name}.${field.name}`;
          const message = `The GitHub stand-in does not model ${name} (GitHub's schema has it; the stand-in answers only what the suite uses)`;
          unmodeled.push({ field: name, error: { message, locations } });
        }
        if (
          !getNamedType(field.type).name.endsWith('Connection') ||
          !field.args.some((a) => a.name === 'first')
        )
          return;
        const args = getArgumentValues(field, node, variables);
        const name = node.name.value;
        if (typeof args['first'] !== 'number' && typeof args['last'] !== 'number')
          limits.push({
            message: `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
            locations,
            type: 'MISSING_PAGINATION_BOUNDARIES',
          });
        for (const bound of ['first', 'last']) {
          const value = args[bound];
          if (typeof value === 'number' && (value < 0 || value > MAX_PAGE))
            limits.push({
              message: `Requesting ${value} records on the \`${name}\` connection exceeds the \`${bound}\` limit of ${MAX_PAGE} records.`,
              locations,
              type: 'EXCESSIVE_PAGINATION',
            });
        }
      },
    }),
  );
  return { limits, unmodeled };
}

/** Resolves every field from RESOLVERS; checkOperation made sure each one asked for is there. */
const fieldResolver: GraphQLFieldResolver<unknown, Context> = (source, args, context, info) => {
  const resolve = RESOLVERS[info.parentType.name]?.[info.fieldName] as
    ((source: unknown, args: Record<string, unknown>, context: Context) => unknown) | undefined;
  if (!resolve) throw new Error(`graphql: no resolver for ${info.parentType.name}.${info.fieldName}`);
  return resolve(source, args, context);
};

export interface GraphqlOutcome {
  body: Record<string, unknown>;
  /** Set when the request is something the stand-in (and the suite) should not send. */
  violation?: string;
}

/** GitHub validates the whole request before running anything and then answers errors only. */
function refused(errors: GraphqlErrorJson[], violation?: string): GraphqlOutcome {
  return { body: { errors }, violation: violation ?? `graphql: ${errors.map((e) => e.message).join('; ')}` };
}

/**
 * Whether graphql-ruby finds the operation to run: the one named, or the only one. It keys the
 * operations by name, so operations of one name count once (and validation refuses them).
 */
function selectsOperation(document: DocumentNode, operationName: string | undefined): boolean {
  const names = new Set<string | undefined>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION) names.add(definition.name?.value);
  return names.size === 0 || (operationName === undefined ? names.size === 1 : names.has(operationName));
}

/** Handles one POST /graphql body for an authenticated identity. */
export async function handleGraphql(
  stores: Pick<Context, 'store' | 'find' | 'findPull'>,
  identity: Identity,
  request: unknown,
): Promise<GraphqlOutcome> {
  const body = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  const query = body['query'];
  const inputs = (
    typeof body['variables'] === 'object' && body['variables'] !== null ? body['variables'] : {}
  ) as Record<string, unknown>;
  const operationName = typeof body['operationName'] === 'string' ? body['operationName'] : undefined;
  if (typeof query !== 'string')
    return refused(
      [{ message: 'A query attribute must be specified and must be a string.' }],
      'graphql: request without a query string',
    );
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return refused([rubySyntaxError(query, error)]);
    throw error;
  }
  const schema = githubSchema();
  if (!selectsOperation(document, operationName)) return refused([rubyOperationError(operationName)]);
  const invalid = rubyValidationErrors(schema, document);
  const operation = getOperationAST(document, operationName);
  if (invalid.length > 0 || !operation) return refused(invalid);
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, {
    hideSuggestions: true,
  });
  if (variables.errors) return refused(rubyVariableErrors(schema, inputs, variables.errors));
  const { limits, unmodeled } = checkOperation(
    schema,
    separateOperations(document)[operation.name?.value ?? ''] ?? document,
    variables.coerced,
  );
  if (limits.length > 0) return refused(limits);
  if (unmodeled.length > 0)
    return refused(
      unmodeled.map((u) => u.error),
      `graphql: not implemented in stand-in: ${unmodeled.map((u) => u.field).join(', ')}`,
    );

  const result = await execute({
    schema,
    document,
    operationName,
    variableValues: inputs,
    contextValue: { ...stores, identity } satisfies Context,
    fieldResolver,
    typeResolver: resolveType,
  });
  const errors: GraphqlErrorJson[] = [];
  for (const error of result.errors ?? []) {
    const cause = error.originalError;
    if (cause instanceof Refusal) return refused([{ message: cause.message }]);
    // Anything else thrown while running is a fault of the stand-in, not an answer of GitHub's.
    if (!(cause instanceof GraphqlError)) throw cause ?? error;
    errors.push({
      type: cause.type,
      path: [...(error.path ?? [])],
      locations: [...(error.locations ?? [])],
      message: cause.message,
    });
  }
  return { body: errors.length > 0 ? { data: result.data, errors } : { data: result.data } };
}
