// What every replay reports (the figures `kvbm-sequence replay --json` must print), for tests
// that compare two replays.
export const REPLAY_FIGURES = [
  'requests',
  'promptTokens',
  'g1HitTokens',
  'g2HitTokens',
  'computedTokens',
  'onboardedBlocks',
  'offloadedBlocks',
  'evictedBlocks',
  'rejectedRequests',
] as const;
