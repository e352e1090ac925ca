import { userInfo } from 'node:os';
import { gitUserName } from '../git/repository.js';

/** Who decides: `--by`, else git's user.name, else the OS account. */
export async function decider(repoRoot: string, by: string | undefined): Promise<string> {
  if (by !== undefined && by.trim() !== '') return by.trim();
  const name = await gitUserName(repoRoot);
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
