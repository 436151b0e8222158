import type { GateResult, RunResult, ScenarioResult } from '../harness/core/result.js';
import { groupResults } from '../harness/core/result-groups.js';

/**
 * The run as JUnit XML for CI test views: one <testsuite> per database and scenario (named
 * and classnamed `querygate.<dialect>.<scenario>`), one <testcase> per gate of each result that
 * has gates; a failed gate is a <failure> with actual and threshold, an errored result an
 * <error>. Run-level errors form a last suite, `querygate.run`.
 */
export function renderJunit(result: RunResult): string {
  const suites = groupResults(result.results)
    .map((group) => suite(result, `querygate.${group.dialect}.${group.scenario}`, group.results.flatMap(testCases), {
      dialect: group.dialect,
      scenario: group.scenario,
      'database.version': result.environment.databases[group.dialect] ?? 'unknown',
    }))
    .filter((s) => s.tests > 0);
  if (result.errors.length > 0) {
    const cases = result.errors.map((message, i) => errorCase('querygate.run', `run error ${i + 1}`, message, message));
    suites.push(suite(result, 'querygate.run', cases, {}));
  }
  const total = (key: 'tests' | 'failures' | 'errors'): number => suites.reduce((n, s) => n + s[key], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="querygate" tests="${total('tests')}" failures="${total('failures')}" errors="${total('errors')}" time="${seconds(result.durationMs)}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface TestCase {
  outcome: 'pass' | 'failure' | 'error' | 'skipped';
  xml: string;
  timeMs: number;
}

interface Suite {
  tests: number;
  failures: number;
  errors: number;
  xml: string;
}

function suite(run: RunResult, name: string, cases: TestCase[], extra: Record<string, string>): Suite {
  const count = (outcome: TestCase['outcome']): number => cases.filter((c) => c.outcome === outcome).length;
  const properties = {
    implUnderTest: run.implUnderTest,
    commit: run.environment.gitCommit ?? 'unknown',
    'fixture.profile': run.fixture.profile,
    'fixture.seed': String(run.fixture.seed),
    'fixture.checksum': run.fixture.checksum,
    ...extra,
  };
  const timeMs = cases.reduce((sum, c) => sum + c.timeMs, 0);
  const s = { tests: cases.length, failures: count('failure'), errors: count('error'), skipped: count('skipped') };
  const xml = [
    `  <testsuite name="${attr(name)}" tests="${s.tests}" failures="${s.failures}" errors="${s.errors}" skipped="${s.skipped}" time="${seconds(timeMs)}" timestamp="${attr(timestamp(run.startedAt))}">`,
    '    <properties>',
    ...Object.entries(properties).map(([key, value]) => `      <property name="${attr(key)}" value="${attr(value)}"/>`),
    '    </properties>',
    ...cases.map((c) => c.xml),
    '  </testsuite>',
  ].join('\n');
  return { ...s, xml };
}

function testCases(result: ScenarioResult): TestCase[] {
  const classname = `querygate.${result.dialect}.${result.scenario}`;
  if (result.state === 'errored') {
    const message = `${result.impl} could not be measured: ${result.error ?? 'no error message'}`;
    if (result.gates.length === 0) return [errorCase(classname, `${result.impl}: measured`, message, result.error ?? '')];
    return result.gates.map((gate) => errorCase(classname, `${result.impl}: ${gate.id}`, message, result.error ?? ''));
  }
  // The measuring time of a result is spread over its gates, so that suite times add up.
  const timeMs = result.rawSamples.reduce((sum, ms) => sum + ms, 0) / Math.max(1, result.gates.length);
  return result.gates.map((gate) => gateCase(classname, result, gate, timeMs));
}

function gateCase(classname: string, result: ScenarioResult, gate: GateResult, timeMs: number): TestCase {
  const open = `    <testcase classname="${attr(classname)}" name="${attr(`${result.impl}: ${gate.id}`)}" time="${seconds(timeMs)}">`;
  const diff = gate.id === 'same-queries-as-snapshot' ? result.queries.snapshot?.diff : undefined;
  const detail = `gate: ${gate.id}\nactual: ${gate.actual}\nthreshold: ${gate.threshold}\n${gate.message}${diff === undefined ? '' : `\n\n${diff}`}`;
  if (gate.pass && gate.judged === false) {
    return { outcome: 'skipped', timeMs, xml: [open, `      <skipped message="${attr(gate.message)}"/>`, '    </testcase>'].join('\n') };
  }
  if (gate.pass) {
    return { outcome: 'pass', timeMs, xml: [open, `      <system-out>${text(detail)}</system-out>`, '    </testcase>'].join('\n') };
  }
  const message = `actual ${gate.actual}, threshold ${gate.threshold}: ${gate.message}`;
  return {
    outcome: 'failure',
    timeMs,
    xml: [open, `      <failure message="${attr(message)}" type="gate">${text(detail)}</failure>`, '    </testcase>'].join('\n'),
  };
}

function errorCase(classname: string, name: string, message: string, body: string): TestCase {
  return {
    outcome: 'error',
    timeMs: 0,
    xml: [
      `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="0.000">`,
      `      <error message="${attr(message)}" type="errored">${text(body)}</error>`,
      '    </testcase>',
    ].join('\n'),
  };
}

// Characters XML 1.0 cannot carry at all, even escaped.
const invalidXmlChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text content for XML and drops characters XML cannot represent. */
export function escapeXml(value: string): string {
  return value
    .replace(invalidXmlChars, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const text = escapeXml;

/** Attribute values: also line breaks and tabs as references, which parsers would turn into spaces. */
function attr(value: string): string {
  return escapeXml(value).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** JUnit's schema wants a timestamp without zone: `2025-06-01T12:00:00`. */
function timestamp(iso: string): string {
  const match = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(iso);
  return match === null ? iso : match[0];
}
