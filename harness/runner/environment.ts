import { cpus, totalmem, type, release } from 'node:os';
import { tryGit as git } from '../system/git.js';
import type { EnvironmentInfo } from '../core/result.js';

/** What a number needs beside it to be compared later: runtime, machine, commit. */
export function describeEnvironment(databases: EnvironmentInfo['databases']): EnvironmentInfo {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    os: `${type()} ${release()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    databases,
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
  };
}
