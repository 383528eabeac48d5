import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { quoted } from './errors.js';
import { markdownCode, markdownText, oneLine } from './markdown.js';
import { commitMessage, parsePromotionRecord, promotionBody, promotionTitle } from './pull-request.js';

describe('quoted: how every message quotes a value', () => {
  it('quotes a short value whole and cuts a long one to its first 100 characters', () => {
    expect(quoted('1.2.3')).toBe("'1.2.3'");
    expect(quoted('x'.repeat(100))).toBe(`'${'x'.repeat(100)}'`);
    expect(quoted('x'.repeat(5000))).toBe(`'${'x'.repeat(100)}…' (5000 characters)`);
  });

  it('writes line breaks and control characters as escapes, so a message stays one line', () => {
    expect(quoted('a\nb\r\tc\u0000d\u2028')).toBe("'a\\nb\\r\\tc\\u0000d\\u2028'");
  });

  it('counts characters, not UTF-16 units, and never cuts one in half', () => {
    expect(quoted('😀'.repeat(101))).toBe(`'${'😀'.repeat(100)}…' (101 characters)`);
  });
});

describe('Markdown escaping of values', () => {
  it('leaves a version as it is', () => {
    expect(markdownText('2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(markdownCode('ghcr.io/acme/orders:1.2.3')).toBe('`ghcr.io/acme/orders:1.2.3`');
  });

  it('escapes what could start a link, emphasis, HTML or a table cell, on one line', () => {
    expect(markdownText('[x](https://e.invalid) <!-- c --> *a* | b\nc')).toBe(
      '\\[x\\](https://e.invalid) \\<\\!-- c --\\> \\*a\\* \\| b c',
    );
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('`a')).toBe('`` `a ``');
    expect(oneLine('a\r\nb')).toBe('a b');
  });
});

describe('a promotion whose tags carry text (the actions refuse them first) stays inert', () => {
  const config = parseConfig(readFileSync('.github/promotion.yaml', 'utf8'));
  const [, uat] = config.environments;
  const orders = config.services[0]!;
  const text = {
    service: orders,
    environment: uat!,
    plan: {
      change: 'unordered' as const,
      target: { tag: '1.6.0\n[x](https://e.invalid) -->' },
      current: { tag: 'latest<!-- c -->' },
    },
  };

  it('keeps the title and each commit line on one line', () => {
    expect(promotionTitle(text)).toBe(
      'Promote orders to 1.6.0 [x](https://e.invalid) --> in uat (from latest<!-- c -->)',
    );
    expect(commitMessage(text).split('\n')).toHaveLength(6);
  });

  it('escapes the tags in the body and keeps the record readable', () => {
    const body = promotionBody(text);
    expect(body).toContain('1.6.0 \\[x\\](https://e.invalid) --\\>');
    // Outside code spans (which render literally) and the record comment, nothing reads as a link.
    const prose = body
      .split('\n')
      .slice(1)
      .join('\n')
      .replace(/`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/[^\\]\[x/);
    expect(body).toContain('| Image | `ghcr.io/acme/orders:1.6.0 [x](https://e.invalid) -->` |');
    expect(body.split('\n')[0]).toMatch(/^<!-- gitops-promotion \{[^\n]*\} -->$/);
    expect(body.split('\n')[0]!.match(/-->/g)).toHaveLength(1);
    expect(parsePromotionRecord(body)?.version).toBe('1.6.0\n[x](https://e.invalid) -->');
  });
});
