/**
 * Gets the plan's JSON out of a planner reply. With a structured-output format the reply is
 * bare JSON; servers without one may wrap it in a fence. Reasoning (`<think>…</think>`) is
 * removed and never used as the source. Every step taken is reported.
 */
export interface PlanReplyParse {
  value: unknown;
  error: string | null;
  fixes: string[];
}

export function parsePlanReply(content: string): PlanReplyParse {
  const fixes: string[] = [];
  let text = content;
  const withoutThink = text.replace(/<think>[\s\S]*?(<\/think>|$)/g, '');
  if (withoutThink !== text) {
    fixes.push('removed a <think> block from the reply');
    text = withoutThink;
  }
  const direct = tryParse(text.trim());
  if (direct.ok) return { value: direct.value, error: null, fixes };

  const fence = /```(?:json)?[ \t]*\n([\s\S]*?)\n```/.exec(text);
  if (fence?.[1] !== undefined) {
    const fenced = tryParse(fence[1].trim());
    if (fenced.ok) return { value: fenced.value, error: null, fixes: [...fixes, 'took the JSON from a fenced block'] };
  }
  return { value: null, error: `the reply is not JSON: ${direct.error}`, fixes };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: text.length === 0 ? 'the reply is empty' : (error as Error).message };
  }
}
