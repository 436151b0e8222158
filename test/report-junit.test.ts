import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunit } from '../reports/junit-report.js';
import { sampleResult } from './fixtures/sample-result.js';
import { expectGolden } from './golden/expect-golden.js';

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#\d+|[a-z]+);/g, (_, name: string) =>
    name.startsWith('#') ? String.fromCharCode(Number(name.slice(1))) : entities[name]!);
}

/**
 * A strict little parser for the XML subset JUnit uses: it throws on unbalanced tags, unquoted
 * or duplicate attributes, raw `<` or `&` in text and unknown entities, so a test that parses
 * the output also checks it is well-formed.
 */
function parseXml(xml: string): XmlElement {
  const declaration = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/;
  if (!declaration.test(xml)) throw new Error('missing XML declaration');
  let at = xml.match(declaration)![0].length;
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  const checkText = (text: string): string => {
    if (/<|&(?!(#\d+|amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`raw markup in text: ${text}`);
    return decode(text);
  };
  while (at < xml.length) {
    const next = xml.indexOf('<', at);
    const text = xml.slice(at, next === -1 ? xml.length : next);
    stack.at(-1)!.text += checkText(text);
    if (next === -1) break;
    const end = xml.indexOf('>', next);
    if (end === -1) throw new Error('unterminated tag');
    const tag = xml.slice(next + 1, end);
    at = end + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop()!;
      if (open.name !== tag.slice(1)) throw new Error(`</${tag.slice(1)}> closes <${open.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = /^[A-Za-z][\w.-]*/.exec(body)?.[0];
    if (name === undefined) throw new Error(`bad tag <${tag}>`);
    const attributes: Record<string, string> = {};
    let rest = body.slice(name.length);
    const attribute = /^\s+([\w.-]+)="([^"<]*)"/;
    for (let m = attribute.exec(rest); m !== null; m = attribute.exec(rest)) {
      if (m[1]! in attributes) throw new Error(`duplicate attribute ${m[1]}`);
      attributes[m[1]!] = checkText(m[2]!);
      rest = rest.slice(m[0].length);
    }
    if (rest.trim() !== '') throw new Error(`bad attributes in <${tag}>`);
    const element: XmlElement = { name, attributes, children: [], text: '' };
    stack.at(-1)!.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root.children.length !== 1 || root.text.trim() !== '') throw new Error('not one root element');
  return root.children[0]!;
}

const all = (element: XmlElement, name: string): XmlElement[] =>
  element.children.flatMap((child) => [...(child.name === name ? [child] : []), ...all(child, name)]);

describe('renderJunit', () => {
  it('matches the golden file for the sample run', () => {
    expectGolden('sample-report.junit.xml', renderJunit(sampleResult()));
  });

  it('has one suite per database and scenario and one case per gate, counted right', () => {
    const root = parseXml(renderJunit(sampleResult()));
    expect(root.name).toBe('testsuites');
    const suites = all(root, 'testsuite');
    expect(suites.map((s) => s.attributes['name'])).toEqual([
      'querygate.sqlite.list-50',
      'querygate.postgres.list-50',
      'querygate.sqlite.detail',
      'querygate.postgres.detail',
    ]);
    for (const suite of suites) {
      const cases = all(suite, 'testcase');
      expect(cases.every((c) => c.attributes['classname'] === suite.attributes['name'])).toBe(true);
      expect(Number(suite.attributes['tests'])).toBe(cases.length);
      expect(Number(suite.attributes['failures'])).toBe(all(suite, 'failure').length);
      expect(Number(suite.attributes['errors'])).toBe(all(suite, 'error').length);
    }
    expect(root.attributes).toMatchObject({ tests: '12', failures: '1', errors: '0' });
  });

  it('gives the failed gate a failure with actual, threshold and message', () => {
    const root = parseXml(renderJunit(sampleResult()));
    const failed = all(root, 'testcase').filter((c) => all(c, 'failure').length > 0);
    expect(failed.map((c) => `${c.attributes['classname']} ${c.attributes['name']}`)).toEqual(['querygate.postgres.list-50 fixed: queries-at-most-max']);
    const failure = all(failed[0]!, 'failure')[0]!;
    expect(failure.attributes['message']).toBe('actual 6, threshold <= 5: 6 statements per request, 2 of them transaction control (BEGIN/COMMIT)');
    expect(failure.text).toContain('actual: 6\nthreshold: <= 5');
  });

  it('turns errored results and run errors into errors', () => {
    const result = sampleResult();
    const fixedDetail = result.results.find((r) => r.impl === 'fixed' && r.scenario === 'detail' && r.dialect === 'postgres')!;
    fixedDetail.state = 'errored';
    fixedDetail.error = 'connection terminated unexpectedly';
    const baselineDetail = result.results.find((r) => r.impl === 'baseline' && r.scenario === 'detail' && r.dialect === 'postgres')!;
    baselineDetail.state = 'errored';
    baselineDetail.error = 'timeout';
    result.errors = ['response of fixed differs between sqlite and postgres'];
    const root = parseXml(renderJunit(result));
    const suite = all(root, 'testsuite').find((s) => s.attributes['name'] === 'querygate.postgres.detail')!;
    // Three gates of the errored fixed result, plus one case for baseline which has none.
    expect(suite.attributes).toMatchObject({ tests: '4', failures: '0', errors: '4' });
    expect(all(suite, 'error').map((e) => e.attributes['message'])).toEqual([
      'baseline could not be measured: timeout',
      ...Array<string>(3).fill('fixed could not be measured: connection terminated unexpectedly'),
    ]);
    expect(all(suite, 'testcase').map((c) => c.attributes['name'])).toContain('baseline: measured');
    const runSuite = all(root, 'testsuite').find((s) => s.attributes['name'] === 'querygate.run')!;
    expect(all(runSuite, 'error')[0]!.text).toBe('response of fixed differs between sqlite and postgres');
    expect(root.attributes).toMatchObject({ tests: '14', failures: '1', errors: '5' });
  });

  it('escapes everything taken from the result', () => {
    const result = sampleResult();
    const nasty = `<tag attr="x" & 'y'>]]> \u0001bell\nsecond line`;
    const fixed = result.results.find((r) => r.impl === 'fixed' && r.dialect === 'sqlite' && r.scenario === 'list-50')!;
    fixed.scenario = 'list<&>';
    fixed.gates[0] = { ...fixed.gates[0]!, id: nasty, pass: false, message: nasty, actual: '"6"', threshold: "<= '5'" };
    const xml = renderJunit(result);
    const root = parseXml(xml);
    const failure = all(root, 'failure').find((f) => f.text.includes('bell'))!;
    const expected = nasty.replace('\u0001', '');
    expect(failure.text).toBe(`gate: ${expected}\nactual: "6"\nthreshold: <= '5'\n${expected}`);
    // Line breaks in attributes survive as references.
    expect(failure.attributes['message']).toBe(`actual "6", threshold <= '5': ${expected}`);
    expect(all(root, 'testsuite').map((s) => s.attributes['name'])).toContain('querygate.sqlite.list<&>');
    expect(xml).not.toContain('\u0001');
  });

  it('escapeXml escapes the five special characters and drops what XML cannot hold', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(escapeXml('ok\u0000\u0008\u000b\ttab\u{1F600}\ud800')).toBe('ok\ttab\u{1F600}');
  });
});
