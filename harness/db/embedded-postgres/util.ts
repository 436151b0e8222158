/**
 * Small helpers shared by the launcher's files.
 */
import fsp from 'node:fs/promises';

export async function exists(p: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function indent(lines: readonly string[]): string {
  return lines.length === 0 ? '  (no output)' : lines.map((l) => `  ${l}`).join('\n');
}
