import { describe, expect, it } from 'vitest';
import { declaredCharset, inspectJson } from './json-inspection.js';

describe('inspectJson', () => {
  it('walks 100,000 levels without overflowing the stack and stops at the limit', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(inspectJson(deep, { maxDepth: 32 })).toEqual({ kind: 'too_deep' });
    expect(inspectJson(JSON.parse('[[[]]]'), { maxDepth: 3 })).toBeUndefined();
    expect(inspectJson(JSON.parse('[[[[]]]]'), { maxDepth: 3 })).toEqual({ kind: 'too_deep' });
  });

  it('finds prototype keys kept as own properties by JSON.parse, and NUL in keys or strings', () => {
    expect(inspectJson(JSON.parse('{"a":[{"__proto__":{}}]}'), { maxDepth: 32 })).toEqual({
      kind: 'forbidden_key',
      key: '__proto__',
    });
    expect(inspectJson({ 'x\u0000': 1 }, { maxDepth: 32 })).toEqual({ kind: 'nul' });
    expect(inspectJson({ a: ['ok', 'b\u0000'] }, { maxDepth: 32 })).toEqual({ kind: 'nul' });
    expect(inspectJson({ 'constructor[x]': '1' }, { maxDepth: 32 })).toBeUndefined();
    expect(inspectJson({ 'constructor[x]': '1' }, { maxDepth: 32, pathKeys: true })).toEqual({
      kind: 'forbidden_key',
      key: 'constructor',
    });
  });

  it('reads the declared charset, quoted or not', () => {
    expect(declaredCharset('application/json')).toBeUndefined();
    expect(declaredCharset('application/json; charset="UTF-16"')).toBe('utf-16');
    expect(declaredCharset('application/json;charset=utf-8')).toBe('utf-8');
  });
});
