/**
 * Environment for a `git apply` that rewrites large files. glibc hands each large buffer git
 * allocates for a file's image back to the system when it is freed (mmap'd allocations above a
 * threshold, and trimming of the heap top), and git apply allocates and frees one per hunk, so a
 * 50,000-line file costs millions of page faults: about ten times the time git needs once freed
 * memory is kept for reuse. These keep it (up to the thresholds); other C libraries ignore them.
 */
export const APPLY_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(256 * 1024 * 1024),
};
