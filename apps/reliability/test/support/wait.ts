/** Bounded waiting: every wait in this suite ends, with a message saying what it waited for. */

/** Waits for `promise` at most `ms`, failing with `what`. */
export const within = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    promise.then(
      (a) => {
        clearTimeout(timer)
        resolve(a)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      }
    )
  })

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The p-th percentile (0–100) of `values`. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Polls `condition` every 5 ms, at most `ms`. */
export const waitFor = (condition: () => boolean, ms: number, what: string): Promise<void> => {
  let stop = false
  return within(
    new Promise<void>((resolve) => {
      const poll = () => (stop ? undefined : condition() ? resolve() : void setTimeout(poll, 5))
      poll()
    }),
    ms,
    what
  ).finally(() => {
    stop = true
  })
}
