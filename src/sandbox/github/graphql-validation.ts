// GitHub's refusals of an invalid document (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql):
// graphql-js validates the document against GitHub's schema; its errors are reworded as GitHub's
// graphql-ruby reports them (message, locations, path, extensions). A rule not mapped here keeps
// graphql-js's message: the request is refused all the same.
import {
  ExecutableDefinitionsRule,
  FieldsOnCorrectTypeRule,
  FragmentsOnCompositeTypesRule,
  KnownArgumentNamesRule,
  KnownDirectivesRule,
  KnownFragmentNamesRule,
  KnownTypeNamesRule,
  Kind,
  LoneAnonymousOperationRule,
  NoFragmentCyclesRule,
  NoUndefinedVariablesRule,
  NoUnusedFragmentsRule,
  NoUnusedVariablesRule,
  PossibleFragmentSpreadsRule,
  ProvidedRequiredArgumentsRule,
  ScalarLeafsRule,
  TypeInfo,
  UniqueArgumentNamesRule,
  UniqueFragmentNamesRule,
  UniqueInputFieldNamesRule,
  UniqueOperationNamesRule,
  UniqueVariableNamesRule,
  ValuesOfCorrectTypeRule,
  VariablesAreInputTypesRule,
  VariablesInAllowedPositionRule,
  getNamedType,
  isEnumType,
  isRequiredArgument,
  isUnionType,
  print,
  specifiedRules,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type {
  ASTNode,
  DocumentNode,
  FieldNode,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLInputType,
  GraphQLSchema,
  OperationDefinitionNode,
  ValidationContext,
  ValidationRule,
  VariableDefinitionNode,
} from 'graphql';
import { locationOf, quoted } from './graphql-errors.js';
import type { GraphqlErrorJson } from './graphql-errors.js';

/** What the messages need to know about the document beyond the node an error names. */
interface Ast {
  schema: GraphQLSchema;
  parent: Map<ASTNode, ASTNode>;
  /** Field -> the type it is selected on. */
  parentType: Map<ASTNode, GraphQLCompositeType>;
  /** Argument or input object field -> its declared type. */
  inputType: Map<ASTNode, GraphQLInputType>;
}

function describe(schema: GraphQLSchema, document: DocumentNode): Ast {
  const ast: Ast = { schema, parent: new Map(), parentType: new Map(), inputType: new Map() };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      enter(node, _key, parent, _path, ancestors) {
        const up = Array.isArray(parent) ? ancestors.at(-1) : parent;
        if (up && !Array.isArray(up)) ast.parent.set(node, up as ASTNode);
        const parentType = typeInfo.getParentType();
        if (node.kind === Kind.FIELD && parentType) ast.parentType.set(node, parentType);
        const inputType = typeInfo.getInputType();
        if ((node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) && inputType)
          ast.inputType.set(node, inputType);
      },
    }),
  );
  return ast;
}

/** The node itself or its nearest ancestor of one of `kinds`. */
function up(ast: Ast, node: ASTNode, ...kinds: Kind[]): ASTNode {
  let at: ASTNode | undefined = node;
  while (at && !kinds.includes(at.kind)) at = ast.parent.get(at);
  return at ?? node;
}

/** graphql-ruby's path of an error: operation, fragments, fields (by alias), arguments. */
function rubyPath(ast: Ast, node: ASTNode): (string | number)[] {
  const path: (string | number)[] = [];
  let child: ASTNode | undefined;
  for (let at: ASTNode | undefined = node; at; child = at, at = ast.parent.get(at)) {
    if (at.kind === Kind.OPERATION_DEFINITION)
      path.push(at.name ? `${at.operation} ${at.name.value}` : at.operation);
    else if (at.kind === Kind.FRAGMENT_DEFINITION) path.push(`fragment ${at.name.value}`);
    else if (at.kind === Kind.INLINE_FRAGMENT)
      path.push(at.typeCondition ? `... on ${at.typeCondition.name.value}` : '...');
    else if (at.kind === Kind.FRAGMENT_SPREAD) path.push(`... ${at.name.value}`);
    else if (at.kind === Kind.FIELD) path.push(at.alias?.value ?? at.name.value);
    else if (at.kind === Kind.ARGUMENT || at.kind === Kind.OBJECT_FIELD) path.push(at.name.value);
    else if (at.kind === Kind.LIST && child?.kind === Kind.OBJECT) path.push(at.values.indexOf(child));
  }
  return path.reverse();
}

/** The name of a node, or the text of a Name node (which several rules report at). */
function nameOf(node: ASTNode): string {
  if (node.kind === Kind.NAME) return node.value;
  return 'name' in node && node.name ? node.name.value : '';
}

function operationName(node: ASTNode): string {
  const operation = node as OperationDefinitionNode;
  return operation.name?.value ?? `anonymous ${operation.operation}`;
}

function fieldType(ast: Ast, field: FieldNode) {
  const parent = ast.parentType.get(field);
  return parent && 'getFields' in parent ? parent.getFields()[field.name.value] : undefined;
}

/** A graphql-ruby error at `node`, pathed as graphql-ruby paths it. */
interface Ruby {
  message: string;
  node: ASTNode;
  path?: (string | number)[];
  extensions: Record<string, unknown>;
}

type Mapper = (node: ASTNode, ast: Ast, error: GraphQLError) => Ruby | undefined;

function undefinedField(node: ASTNode, ast: Ast): Ruby | undefined {
  const field = node as FieldNode;
  const type = ast.parentType.get(field);
  if (!type) return undefined;
  if (isUnionType(type)) {
    const owner = ast.parent.get(ast.parent.get(field) ?? field) ?? field;
    return {
      message: `Selections can't be made directly on unions (see selections on ${type.name})`,
      node: owner,
      extensions: { code: 'selectionMismatch', nodeName: type.name },
    };
  }
  return {
    message: `Field '${field.name.value}' doesn't exist on type '${type.name}'`,
    node: field,
    extensions: { code: 'undefinedField', typeName: type.name, fieldName: field.name.value },
  };
}

function unknownArgument(node: ASTNode, ast: Ast): Ruby {
  const owner = ast.parent.get(node) ?? node;
  const ownerName = owner.kind === Kind.FIELD ? (owner.alias?.value ?? owner.name.value) : nameOf(owner);
  const kind = owner.kind === Kind.FIELD ? 'Field' : 'Directive';
  return {
    message: `${kind} '${ownerName}' doesn't accept argument '${nameOf(node)}'`,
    node,
    extensions: { code: 'argumentNotAccepted', name: ownerName, typeName: kind, argumentName: nameOf(node) },
  };
}

/** graphql-js reports each missing argument; graphql-ruby lists them all in one error. */
function missingArguments(node: ASTNode, ast: Ast): Ruby | undefined {
  const definition =
    node.kind === Kind.FIELD ? fieldType(ast, node) : (ast.schema.getDirective(nameOf(node)) ?? undefined);
  if (!definition || (node.kind !== Kind.FIELD && node.kind !== Kind.DIRECTIVE)) return undefined;
  const given = new Set(node.arguments?.map((a) => a.name.value));
  const missing = definition.args
    .filter((a) => isRequiredArgument(a) && !given.has(a.name))
    .map((a) => a.name)
    .join(', ');
  const className = node.kind === Kind.FIELD ? 'Field' : 'Directive';
  return {
    message: `${className} '${node.name.value}' is missing required arguments: ${missing}`,
    node,
    extensions: { code: 'missingRequiredArguments', className, name: node.name.value, arguments: missing },
  };
}

function selectionMismatch(node: ASTNode, ast: Ast): Ruby | undefined {
  const field = up(ast, node, Kind.FIELD) as FieldNode;
  const definition = fieldType(ast, field);
  if (!definition) return undefined;
  const type = getNamedType(definition.type);
  const name = field.name.value;
  const selections = field.selectionSet?.selections.map((s) =>
    s.kind === Kind.INLINE_FRAGMENT ? `"... on ${s.typeCondition?.name.value} { ... }"` : `"${s.name.value}"`,
  );
  return {
    message: selections
      ? `Selections can't be made on ${isEnumType(type) ? 'enums' : 'scalars'} (field '${name}' returns ${type.name} but has selections [${selections.join(', ')}])`
      : `Field must have selections (field '${name}' returns ${type.name} but has no selections. Did you mean '${name} { ... }'?)`,
    node: field,
    extensions: { code: 'selectionMismatch', nodeName: `field '${name}'`, typeName: type.name },
  };
}

function unknownType(node: ASTNode, ast: Ast): Ruby {
  const owner = up(ast, node, Kind.VARIABLE_DEFINITION, Kind.FRAGMENT_DEFINITION, Kind.INLINE_FRAGMENT);
  if (owner.kind === Kind.VARIABLE_DEFINITION) return notInputType(node, ast, 'defined');
  return {
    message: `No such type ${nameOf(node)}, so it can't be a fragment condition`,
    node: owner,
    extensions: { code: 'undefinedType', typeName: nameOf(node) },
  };
}

/** `node`: a variable's type, or a part of it. */
function notInputType(node: ASTNode, ast: Ast, adjective: 'defined' | 'valid'): Ruby {
  const variable = up(ast, node, Kind.VARIABLE_DEFINITION) as VariableDefinitionNode;
  let type = variable.type;
  while (type.kind !== Kind.NAMED_TYPE) type = type.type;
  const variableName = variable.variable.name.value;
  return {
    message: `${type.name.value} isn't a ${adjective} input type (on $${variableName})`,
    node: variable,
    extensions: { code: 'variableRequiresValidType', typeName: type.name.value, variableName },
  };
}

/** A literal of the wrong type: graphql-ruby names the innermost argument or input field holding it. */
function invalidLiteral(node: ASTNode, ast: Ast, error: GraphQLError): Ruby | undefined {
  const [inputObject, missingField, missingType] = quoted(
    error.message,
    /^Field "(\w+)\.(\w+)" of required type "(.+)" was not provided\.$/,
  );
  if (inputObject && missingField && missingType)
    return {
      message: `Argument '${missingField}' on InputObject '${inputObject}' is required. Expected type ${missingType}`,
      node,
      path: [...rubyPath(ast, node), missingField],
      extensions: {
        code: 'missingRequiredInputObjectAttribute',
        argumentName: missingField,
        argumentType: missingType,
        inputObjectType: inputObject,
      },
    };
  const [unknownField, objectType] = quoted(
    error.message,
    /^Field "(\w+)" is not defined by type "(\w+)"\.$/,
  );
  if (unknownField && objectType)
    return {
      message: `InputObject '${objectType}' doesn't accept argument '${unknownField}'`,
      node,
      extensions: {
        code: 'argumentNotAccepted',
        name: objectType,
        typeName: 'InputObject',
        argumentName: unknownField,
      },
    };
  const argument = up(ast, node, Kind.ARGUMENT, Kind.OBJECT_FIELD);
  const type = ast.inputType.get(argument);
  const owner = ast.parent.get(argument);
  if ((argument.kind !== Kind.ARGUMENT && argument.kind !== Kind.OBJECT_FIELD) || !type || !owner)
    return undefined;
  const [kind, ownerName] =
    owner.kind === Kind.FIELD
      ? ['Field', owner.alias?.value ?? owner.name.value]
      : owner.kind === Kind.DIRECTIVE
        ? ['Directive', owner.name.value]
        : [
            'InputObject',
            getNamedType(ast.inputType.get(up(ast, owner, Kind.ARGUMENT, Kind.OBJECT_FIELD)))?.name,
          ];
  return {
    message: `Argument '${argument.name.value}' on ${kind} '${ownerName}' has an invalid value (${print(argument.value)}). Expected type '${type.toString()}'.`,
    node: owner,
    path: rubyPath(ast, argument),
    extensions: { code: 'argumentLiteralsIncompatible', typeName: kind, argumentName: argument.name.value },
  };
}

/** graphql-ruby tells what kind of mismatch it is, and names the argument the variable is given to. */
function variableMismatch(node: ASTNode, ast: Ast, error: GraphQLError): Ruby | undefined {
  const variable = error.nodes?.[1];
  const [variableType] = quoted(error.message, /^Variable "\$\w+" of type "(.+)" used in position expecting/);
  if (!variable || !variableType) return undefined;
  const argument = up(ast, variable, Kind.ARGUMENT, Kind.OBJECT_FIELD);
  const argumentType = ast.inputType.get(argument)?.toString();
  if (!argumentType) return undefined;
  // A variable inside a list literal stands for one item: graphql-ruby wraps its type once per list.
  let given = variableType;
  for (let at = ast.parent.get(variable); at && at !== argument; at = ast.parent.get(at))
    if (at.kind === Kind.LIST) given = `[${given}]!`;
  const named = (type: string) => type.replace(/[[\]!]/g, '');
  const lists = (type: string) => type.split('[').length;
  const mismatch =
    named(given) !== named(argumentType)
      ? 'Type mismatch'
      : lists(given) !== lists(argumentType)
        ? 'List dimension mismatch'
        : 'Nullability mismatch';
  const variableName = nameOf(variable);
  return {
    message: `${mismatch} on variable $${variableName} and argument ${nameOf(argument)} (${given} / ${argumentType})`,
    node: argument,
    extensions: {
      code: 'variableMismatch',
      variableName,
      typeName: given,
      argumentName: nameOf(argument),
      errorMessage: mismatch,
    },
  };
}

/** A name given twice: graphql-js reports the Name nodes, graphql-ruby what they name. */
function repeated(message: (name: string) => string, code: string, key?: string): Mapper {
  return (node, ast) => ({
    message: message(nameOf(node)),
    node: ast.parent.get(node) ?? node,
    extensions: { code, ...(key ? { [key]: nameOf(node) } : {}) },
  });
}

/** graphql-js's rule -> graphql-ruby's wording of the same refusal (node: the one graphql-js names). */
const MAPPERS = new Map<ValidationRule, Mapper>([
  [FieldsOnCorrectTypeRule, undefinedField],
  [KnownArgumentNamesRule, unknownArgument],
  [ProvidedRequiredArgumentsRule, missingArguments],
  [ScalarLeafsRule, selectionMismatch],
  [KnownTypeNamesRule, unknownType],
  [VariablesAreInputTypesRule, (node, ast) => notInputType(node, ast, 'valid')],
  [ValuesOfCorrectTypeRule, invalidLiteral],
  [VariablesInAllowedPositionRule, variableMismatch],
  [
    UniqueFragmentNamesRule,
    repeated((name) => `Fragment name "${name}" must be unique`, 'fragmentNotUnique', 'fragmentName'),
  ],
  [
    UniqueVariableNamesRule,
    repeated((name) => `There can only be one variable named "${name}"`, 'variableNotUnique', 'variableName'),
  ],
  [
    UniqueArgumentNamesRule,
    repeated((name) => `There can be only one argument named "${name}"`, 'argumentNotUnique', 'name'),
  ],
  [
    UniqueInputFieldNamesRule,
    repeated((name) => `There can be only one input field named "${name}"`, 'inputFieldNotUnique', 'name'),
  ],
  [
    UniqueOperationNamesRule,
    repeated((name) => `Operation name "${name}" must be unique`, 'uniquelyNamedOperations'),
  ],
  [
    FragmentsOnCompositeTypesRule,
    (node, ast) => ({
      message: `Invalid fragment on type ${nameOf(node)} (must be Union, Interface or Object)`,
      node: ast.parent.get(node) ?? node,
      extensions: { code: 'fragmentOnNonCompositeType', typeName: nameOf(node) },
    }),
  ],
  [
    KnownFragmentNamesRule,
    (node, ast) => ({
      message: `Fragment ${nameOf(node)} was used, but not defined`,
      node: ast.parent.get(node) ?? node,
      extensions: { code: 'useAndDefineFragment', fragmentName: nameOf(node) },
    }),
  ],
  [
    NoUnusedFragmentsRule,
    (node) => ({
      message: `Fragment ${nameOf(node)} was defined, but not used`,
      node,
      extensions: { code: 'useAndDefineFragment', fragmentName: nameOf(node) },
    }),
  ],
  [
    PossibleFragmentSpreadsRule,
    (node, _ast, error) => {
      const [parentName, typeName] = quoted(error.message, /type "(.+)" can never be of type "(.+)"\.$/);
      const fragmentName = node.kind === Kind.FRAGMENT_SPREAD ? node.name.value : undefined;
      return {
        message: `Fragment${fragmentName ? ` ${fragmentName}` : ''} on ${typeName} can't be spread inside ${parentName}`,
        node,
        extensions: {
          code: 'cannotSpreadFragment',
          typeName,
          fragmentName: fragmentName ?? 'unknown',
          parentName,
        },
      };
    },
  ],
  [
    NoFragmentCyclesRule,
    (node, _ast, error) => {
      const [fragmentName] = quoted(error.message, /^Cannot spread fragment "(\w+)"/);
      return {
        message: `Fragment ${fragmentName} contains an infinite loop`,
        node,
        extensions: { code: 'infiniteLoop', fragmentName },
      };
    },
  ],
  [
    NoUndefinedVariablesRule,
    (node, _ast, error) => ({
      message: `Variable $${nameOf(node)} is used by ${operationName(error.nodes?.[1] ?? node)} but not declared`,
      node,
      extensions: { code: 'variableNotDefined', variableName: nameOf(node) },
    }),
  ],
  [
    NoUnusedVariablesRule,
    (node, ast) => {
      const variableName = (node as VariableDefinitionNode).variable.name.value;
      const operation = ast.parent.get(node) ?? node;
      return {
        message: `Variable $${variableName} is declared by ${operationName(operation)} but not used`,
        node: operation,
        extensions: { code: 'variableNotUsed', variableName },
      };
    },
  ],
  [
    KnownDirectivesRule,
    (node, _ast, error) =>
      error.message.startsWith('Unknown directive')
        ? {
            message: `Directive @${nameOf(node)} is not defined`,
            node,
            extensions: { code: 'undefinedDirective', directiveName: nameOf(node) },
          }
        : undefined,
  ],
  [
    LoneAnonymousOperationRule,
    (node) => ({
      message: 'Operation name is required when multiple operations are present',
      node,
      extensions: { code: 'uniquelyNamedOperations' },
    }),
  ],
  [
    ExecutableDefinitionsRule,
    (node) => ({
      message: 'Query cannot contain schema definitions',
      node,
      extensions: { code: 'queryContainsSchemaDefinitions' },
    }),
  ],
]);

/**
 * Validates the document against GitHub's schema as graphql-ruby would, every error in its words.
 * Each graphql-js rule reports through its own view of the validation context, so each error is
 * known by the rule that found it.
 */
export function rubyValidationErrors(schema: GraphQLSchema, document: DocumentNode): GraphqlErrorJson[] {
  const found: { rule: ValidationRule; error: GraphQLError }[] = [];
  const rules = specifiedRules.map(
    (rule) => (context: ValidationContext) =>
      rule(
        Object.create(context, {
          reportError: { value: (error: GraphQLError) => found.push({ rule, error }) },
        }) as ValidationContext,
      ),
  );
  validate(schema, document, rules, { hideSuggestions: true });
  const errors: GraphqlErrorJson[] = [];
  // graphql-js does not check that the schema has the operation's root type: GitHub has no subscriptions.
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION && !schema.getRootType(definition.operation))
      errors.push({
        message: `Schema is not configured for ${definition.operation}s`,
        locations: locationOf(definition),
        extensions: {
          code: `missing${definition.operation[0]?.toUpperCase()}${definition.operation.slice(1)}Configuration`,
        },
      });
  if (found.length === 0) return errors;
  const ast = describe(schema, document);
  const seen = new Set<string>();
  for (const { rule, error } of found) {
    const node = error.nodes?.[0];
    const ruby = node ? MAPPERS.get(rule)?.(node, ast, error) : undefined;
    const json: GraphqlErrorJson = ruby
      ? {
          message: ruby.message,
          locations: locationOf(ruby.node),
          path: ruby.path ?? rubyPath(ast, ruby.node),
          extensions: ruby.extensions,
        }
      : { message: error.message, locations: [...(error.locations ?? [])] };
    // graphql-js may report one refusal several times (one missing argument each, say).
    const key = JSON.stringify(json);
    if (!seen.has(key)) errors.push(json);
    seen.add(key);
  }
  return errors;
}
