/**
 * Paths named by a model (in a plan or a diff) are untrusted: this decides whether one may be
 * handed to git at all. Pure, so the plan schema and the diff pipeline share one rule.
 */

/**
 * A reason the path is unsafe, worded to follow the path ("src/x.ts" is absolute), or null when
 * it is an acceptable repository-relative path.
 */
export function checkPatchPath(path: string): string | null {
  if (path === '') return 'is empty';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash: use forward slashes, relative to the repository root';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute: give a path relative to the repository root';
  // A '..' or '.git' segment starts with '.': first, or after a '/'. A patch's paths are checked
  // many times over (tens of thousands for a large diff), and most have no such segment at all.
  if (!path.startsWith('.') && !path.includes('/.')) return null;
  const segments = path.split('/');
  if (segments.includes('..')) return "contains a '..' segment: give a path inside the repository";
  // Case-insensitive: on macOS and Windows `.GIT/config` is the real .git/config.
  if (segments.some((s) => s.toLowerCase() === '.git')) return 'is inside .git/, which the tool never changes';
  return null;
}
