/** Small statistics shared by the bench modules. */

/** The middle value of `xs` (the upper one of the two middle values when their number is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
