import { describe, expect, it } from "vitest";
import { backoff, isFinal } from "../tutor/backoff";

describe("reconnect backoff", () => {
  it("doubles from 0.5 s to at most 15 s, within ±25% jitter", () => {
    expect([0, 1, 2, 3, 10].map((n) => backoff(n, () => 0.5))).toEqual([500, 1000, 2000, 4000, 15000]);
    expect(backoff(0, () => 0)).toBe(375);
    expect(backoff(20, () => 1)).toBe(18750);
  });

  it("treats application close codes as final, except an expired token and a rate limit", () => {
    expect([4401, 4403, 4404, 4429, 1006, 1011].map(isFinal)).toEqual([false, true, true, false, false, false]);
  });
});
