/**
 * A conversation as turns for upstreams that want the consecutive items of
 * one role in one message (Anthropic's content blocks, Gemini's parts): a
 * part of the same role as the last turn joins it, any other starts a turn.
 */
export class RoleTurns<R extends string, P> {
  readonly turns: { role: R; parts: P[] }[] = [];

  push(role: R, part: P): void {
    const last = this.turns[this.turns.length - 1];
    if (last?.role === role) last.parts.push(part);
    else this.turns.push({ role, parts: [part] });
  }
}
