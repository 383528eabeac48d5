/**
 * `${{ }}` evaluation with GitHub's own expression engine (`@actions/expressions`): its lexer,
 * parser (which refuses contexts and functions not available at that place), evaluator, coercion
 * rules and built-in functions. The status functions (`success()`, `failure()`, `always()`,
 * `cancelled()`) depend on where they are evaluated, so the runner passes them in.
 *
 * Template tokens come from `@actions/workflow-parser`, which turns every scalar holding `${{ }}`
 * into one expression (`'a ${{ x }} b'` becomes `format('a {0} b', x)`).
 */
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Star,
  Unary,
  type Expr,
} from '@actions/expressions/ast';
import type { FunctionDefinition, FunctionInfo } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import type {
  BasicExpressionToken,
  BooleanToken,
  MappingToken,
  NumberToken,
  SequenceToken,
  StringToken,
  TemplateToken,
} from '@actions/workflow-parser/templates/tokens/index';

export type ExpressionData = data.ExpressionData;

/** Plain JSON-like values, as contexts are built. */
export type ContextValue =
  string | number | boolean | null | ContextValue[] | { [key: string]: ContextValue };

export type Contexts = Record<string, ContextValue | undefined>;

/** Where an expression is evaluated decides what the status functions answer. */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export class ExpressionFailure extends Error {
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`${message} (in \${{ ${expression} }})`);
  }
}

const STATUS_FUNCTION_NAMES = ['success', 'failure', 'always', 'cancelled'] as const;

function statusFunctionDefinitions(status: StatusFunctions | undefined): FunctionDefinition[] {
  const answer = (name: (typeof STATUS_FUNCTION_NAMES)[number]): boolean => {
    if (name === 'always') return true;
    if (!status) throw new Error(`${name}() is not available here`);
    return status[name]();
  };
  const definitions: FunctionDefinition[] = STATUS_FUNCTION_NAMES.map((name) => ({
    name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(answer(name)),
  }));
  definitions.push({
    name: 'hashFiles',
    minArgs: 1,
    maxArgs: 255,
    call: () => {
      throw new Error('hashFiles() is not supported by the sandbox runner');
    },
  });
  return definitions;
}

const EXTENSION_FUNCTIONS: FunctionInfo[] = statusFunctionDefinitions(undefined).map(
  ({ name, minArgs, maxArgs }) => ({ name, minArgs, maxArgs }),
);

/** Converts plain values to the engine's data (dictionaries there are case-insensitive, like GitHub). */
export function toExpressionData(value: ContextValue | undefined): ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as ExpressionData;
}

/** Converts the engine's data back to plain values. */
export function fromExpressionData(value: ExpressionData): ContextValue {
  switch (value.kind) {
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Null:
      return null;
    case data.Kind.Array:
      return (value as data.Array).values().map(fromExpressionData);
    default: {
      const result: Record<string, ContextValue> = {};
      for (const pair of (value as data.Dictionary).pairs())
        result[pair.key] = fromExpressionData(pair.value);
      return result;
    }
  }
}

/** GitHub's string conversion: null is '', booleans 'true'/'false', numbers as the engine prints them. */
export function toText(value: ExpressionData): string {
  return value.kind === data.Kind.Null ? '' : value.coerceString();
}

export function isTruthy(value: ExpressionData): boolean {
  return truthy(value);
}

export function parseExpression(expression: string, contextNames: readonly string[]): Expr {
  const { tokens } = new Lexer(expression).lex();
  return new Parser(tokens, [...contextNames], EXTENSION_FUNCTIONS).parse();
}

/** Evaluates one expression (without `${{ }}`) against the given contexts. */
export function evaluateExpression(
  expression: string,
  contexts: Contexts,
  status?: StatusFunctions,
): ExpressionData {
  const names = Object.keys(contexts).filter((name) => contexts[name] !== undefined);
  let tree: Expr;
  try {
    tree = parseExpression(expression, names);
  } catch (error) {
    throw new ExpressionFailure(expression, error instanceof Error ? error.message : String(error));
  }
  const dictionary = new data.Dictionary(
    ...names.map((key) => ({ key, value: toExpressionData(contexts[key]) })),
  );
  const functions = new Map(statusFunctionDefinitions(status).map((f) => [f.name.toLowerCase(), f]));
  try {
    return new Evaluator(tree, dictionary, functions).evaluate();
  } catch (error) {
    throw new ExpressionFailure(expression, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Evaluates a template token: literals as they are, expressions with the engine, mappings and
 * sequences item by item (keys are literal in workflows).
 */
export function evaluateToken(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusFunctions,
): ExpressionData {
  if (!token) return new data.Null();
  switch (token.templateTokenType) {
    case 0:
      return new data.StringData((token as StringToken).value);
    case 5:
      return new data.BooleanData((token as BooleanToken).value);
    case 6:
      return new data.NumberData((token as NumberToken).value);
    case 7:
      return new data.Null();
    case 3:
      return evaluateExpression((token as BasicExpressionToken).expression, contexts, status);
    case 1: {
      const items = [...(token as SequenceToken)].map((item) => evaluateToken(item, contexts, status));
      return new data.Array(...items);
    }
    case 2: {
      const pairs = [...(token as MappingToken)].map((pair) => ({
        key: toText(evaluateToken(pair.key, contexts, status)),
        value: evaluateToken(pair.value, contexts, status),
      }));
      return new data.Dictionary(...pairs);
    }
    default:
      throw new Error(`${token.typeName()} (\${{ insert }}) is not supported by the sandbox runner`);
  }
}

/** A mapping token evaluated to strings (what `with:`, `env:` and outputs become). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  contexts: Contexts,
  status?: StatusFunctions,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (!token || token.templateTokenType !== 2) return result;
  for (const pair of token as MappingToken) {
    result[toText(evaluateToken(pair.key, contexts, status))] = toText(
      evaluateToken(pair.value, contexts, status),
    );
  }
  return result;
}

/** The source text of a token for reports: `${{ expr }}` for expressions, the value otherwise. */
export function tokenText(token: TemplateToken | undefined): string {
  if (!token) return '';
  if (token.templateTokenType === 3) return `\${{ ${(token as BasicExpressionToken).expression} }}`;
  if (token.templateTokenType === 0) return (token as StringToken).value;
  return String(fromExpressionData(evaluateToken(token, {})));
}

// --- references, for the wiring checks -------------------------------------------------------------

/** A property path an expression reads (`steps.update.outputs.merged` → ['steps','update','outputs','merged']). */
export interface Reference {
  path: string[];
}

/** A comparison of a reference with a literal (`x == true`), for type mistakes GitHub does not report. */
export interface Comparison {
  path: string[];
  literal: ContextValue;
  operator: string;
}

function pathOf(node: Expr): string[] | undefined {
  if (node instanceof ContextAccess) return [node.name.lexeme];
  if (node instanceof IndexAccess) {
    const base = pathOf(node.expr);
    if (!base) return undefined;
    if (node.index instanceof Star) return [...base, '*'];
    if (node.index instanceof Literal && node.index.literal.kind === data.Kind.String) {
      return [...base, (node.index.literal as data.StringData).value];
    }
    return undefined;
  }
  return undefined;
}

/** Every context path an expression reads, and every comparison of a path with a literal. */
export function analyseExpression(
  expression: string,
  contextNames: readonly string[],
): { references: Reference[]; comparisons: Comparison[] } {
  const tree = parseExpression(expression, contextNames);
  const references: Reference[] = [];
  const comparisons: Comparison[] = [];
  const visit = (node: Expr): void => {
    const path = pathOf(node);
    if (path) {
      references.push({ path });
      return;
    }
    if (node instanceof IndexAccess) {
      visit(node.expr);
      visit(node.index);
    } else if (node instanceof Binary) {
      for (const [side, other] of [
        [node.left, node.right],
        [node.right, node.left],
      ] as const) {
        const sidePath = pathOf(side);
        if (sidePath && other instanceof Literal) {
          comparisons.push({
            path: sidePath,
            literal: fromExpressionData(other.literal),
            operator: node.operator.lexeme,
          });
        }
      }
      visit(node.left);
      visit(node.right);
    } else if (node instanceof Logical) {
      node.args.forEach(visit);
    } else if (node instanceof Unary) {
      visit(node.expr);
    } else if (node instanceof Grouping) {
      visit(node.group);
    } else if (node instanceof FunctionCall) {
      node.args.forEach(visit);
    }
  };
  visit(tree);
  return { references, comparisons };
}
