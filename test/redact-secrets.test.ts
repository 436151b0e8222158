import { describe, expect, it } from 'vitest';
import { redactSecretsInText } from '../harness/db/pg-url.js';

describe('redactSecretsInText', () => {
  it('hides passwords of URLs and password keywords anywhere in a message', () => {
    const text = 'connect postgres://app:s3cret@db:5432/x failed; retry with host=db password=hunter2 or ?sslmode=require&password=p4ss';
    const out = redactSecretsInText(text);
    for (const secret of ['s3cret', 'hunter2', 'p4ss']) expect(out).not.toContain(secret);
    expect(out).toContain('postgres://app:***@db:5432/x');
  });

  it('leaves text without credentials unchanged', () => {
    expect(redactSecretsInText('cannot reach postgres://db:5432/x (ECONNREFUSED)')).toBe('cannot reach postgres://db:5432/x (ECONNREFUSED)');
  });
});
