/**
 * Task ids as a person reads a long list of them: in the order given, three or more that follow
 * each other (T004, T005, T006) as one range, T004–T006. A 100-task run's last patch is validated
 * on 99 approved ones; listing each id says less than the range does.
 */
export function taskRanges(ids: readonly string[]): string {
  const number = (id: string): number => Number(id.slice(1));
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && number(ids[j + 1]!) === number(ids[j]!) + 1) j++;
    parts.push(j - i >= 2 ? `${ids[i]}–${ids[j]}` : ids.slice(i, j + 1).join(', '));
    i = j + 1;
  }
  return parts.join(', ');
}
