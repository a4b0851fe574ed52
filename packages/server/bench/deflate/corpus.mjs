// Realistic chat / trading JSON messages of a target size, from a seeded PRNG (reproducible).
let seed = 0x9e3779b9
const rand = () => {
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0
  return seed / 0x1_0000_0000
}
const pick = (a) => a[Math.floor(rand() * a.length)]
const words = ("the a to of and in is it you that for on with as are this be at or have from but not by " +
  "deploy build test merge review ship price order book trade market limit stop fill cancel chart " +
  "hello thanks sure tomorrow meeting lunch coffee great idea done issue ticket release staging").split(" ")
const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"]
const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT"]
const hex = (n) => { let s = ""; for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(rand() * 16)]; return s }
let ts = 1764780000000
const chat = () => ({
  type: "message", room: pick(["general", "random", "dev", "trading", "support"]), id: "msg_" + hex(16),
  user: { id: Math.floor(rand() * 100000), name: pick(names), avatar: `https://cdn.example.com/u/${hex(8)}.png` },
  text: Array.from({ length: 4 + Math.floor(rand() * 20) }, () => pick(words)).join(" "),
  ts: (ts += Math.floor(rand() * 5000)), edited: rand() < 0.1, reactions: rand() < 0.3 ? [{ emoji: "+1", count: 1 + Math.floor(rand() * 5) }] : []
})
const level = (p) => [(p * (1 + (rand() - 0.5) / 100)).toFixed(2), (rand() * 5).toFixed(4)]
const trade = () => {
  const p = 1000 + rand() * 60000
  return {
    e: "depthUpdate", E: (ts += Math.floor(rand() * 100)), s: pick(symbols), U: Math.floor(rand() * 1e10), u: Math.floor(rand() * 1e10),
    b: Array.from({ length: 3 + Math.floor(rand() * 5) }, () => level(p)), a: Array.from({ length: 3 + Math.floor(rand() * 5) }, () => level(p))
  }
}
/** One message of about `size` bytes: a batch of chat or trading events. */
export const message = (size, kind = rand() < 0.5 ? "chat" : "trade") => {
  const events = []
  let text = ""
  while (true) {
    events.push(kind === "chat" ? chat() : trade())
    const next = JSON.stringify({ type: "batch", seq: Math.floor(rand() * 1e9), events })
    // The batch nearest to `size`: the last one below it, or the first one above it.
    if (next.length >= size) return Buffer.from(text !== "" && size - text.length < next.length - size ? text : next)
    text = next
  }
}
/** `count` different messages of about `size` bytes. */
export const corpus = (size, count) => Array.from({ length: count }, () => message(size))
