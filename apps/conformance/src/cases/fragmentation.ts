/**
 * Category 5 (fragmentation), after Autobahn 5.1-5.20. RFC 6455 §5.4: control frames MUST NOT
 * be fragmented, MAY be injected in the middle of a fragmented message; a message starts with a
 * text/binary frame and continues with continuation frames; anything else MUST fail (1002).
 */
import type { FrameSpec } from "@wspipe/test-frames"
import { nonStrict, ok, pong, text, type Case, type Scenario } from "../scenario.js"
import { sleep } from "../raw-client.js"
import { Op, scenarioCase, sendFrames, type Chop } from "./common.js"

const CHOPS: [Chop, string][] = [
  ["one", ""],
  ["frames", ", octets are sent in frame-wise chops"],
  ["octets", ", octets are sent in octet-wise chops"]
]
const f = (opcode: number, payload: string, fin: boolean): FrameSpec => ({ opcode, payload, fin })

const cases: Case[] = [
  scenarioCase(
    "5.1",
    "Send Ping fragmented into 2 fragments.",
    "Connection is failed immediately (1002): control frames MUST NOT be fragmented (§5.5).",
    {
      send: (c) => sendFrames(c, [f(Op.ping, "fragment1", false), f(Op.cont, "fragment2", true)]),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase("5.2", "Send Pong fragmented into 2 fragments.", "Connection is failed immediately (1002).", {
    send: (c) => sendFrames(c, [f(Op.pong, "fragment1", false), f(Op.cont, "fragment2", true)]),
    ok: [],
    closeBy: "server"
  })
]

// 5.3-5.5: a valid fragmented text message.
CHOPS.forEach(([chop, how], i) => {
  cases.push(
    scenarioCase(`5.${3 + i}`, `Send text Message fragmented into 2 fragments${how}.`, "Message is processed and echo'ed back to us.", {
      send: (c) => sendFrames(c, [f(Op.text, "fragment1", false), f(Op.cont, "fragment2", true)], chop),
      ok: [text("fragment1fragment2")],
      closeBy: "client"
    })
  )
})
// 5.6-5.8: a ping in the middle of a fragmented message (§5.4 allows injected control frames).
CHOPS.forEach(([chop, how], i) => {
  cases.push(
    scenarioCase(
      `5.${6 + i}`,
      `Send text Message fragmented into 2 fragments, one ping with payload in-between${how}.`,
      "A pong is received, then the message is echo'ed back to us.",
      {
        send: (c) => sendFrames(c, [f(Op.text, "fragment1", false), f(Op.ping, "ping payload", true), f(Op.cont, "fragment2", true)], chop),
        ok: [pong("ping payload"), text("fragment1fragment2")],
        closeBy: "client"
      }
    )
  )
})
// 5.9-5.14: continuation with nothing to continue.
for (const [base, fin] of [
  [9, true],
  [12, false]
] as const) {
  CHOPS.forEach(([chop, how], i) => {
    cases.push(
      scenarioCase(
        `5.${base + i}`,
        `Send continuation Frame with FIN = ${fin}, where there is nothing to continue, then unfragmented Text Message${chop === "one" ? ", all sent in one chop" : how}.`,
        "The connection is failed immediately (1002), since there is no message to continue (§5.4).",
        {
          send: (c) => sendFrames(c, [f(Op.cont, "non-continuation payload", fin), f(Op.text, "Hello, world!", true)], chop),
          ok: [],
          closeBy: "server"
        }
      )
    )
  })
}
cases.push(
  scenarioCase(
    "5.15",
    "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
    "The first message is echo'ed, then the connection is failed immediately (1002).",
    {
      send: (c) =>
        sendFrames(c, [
          f(Op.text, "fragment1", false),
          f(Op.cont, "fragment2", true),
          f(Op.cont, "fragment3", false),
          f(Op.text, "fragment4", true)
        ]),
      ok: [text("fragment1fragment2")],
      nonStrict: [],
      closeBy: "server"
    }
  )
)
for (const [id, fin] of [
  ["5.16", false],
  ["5.17", true]
] as const) {
  const once = [f(Op.cont, "fragment1", fin), f(Op.text, "fragment2", false), f(Op.cont, "fragment3", true)]
  cases.push(
    scenarioCase(
      id,
      `Repeated 2x: Continuation Frame with FIN = ${fin} (none to continue), then text Message fragmented into 2 fragments.`,
      "The connection is failed immediately (1002).",
      {
        send: (c) => sendFrames(c, [...once, ...once]),
        ok: [],
        closeBy: "server"
      }
    )
  )
}
cases.push(
  scenarioCase(
    "5.18",
    "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
    "The connection is failed immediately (1002): a new data frame inside a fragmented message (§5.4).",
    {
      send: (c) => sendFrames(c, [f(Op.text, "fragment1", false), f(Op.text, "fragment2", true)]),
      ok: [],
      closeBy: "server"
    }
  )
)

// 5.19/5.20: pings between fragments with a pause; the first Pong must come during the pause.
const pingsDuring =
  (chop: Chop) =>
  (ctx: { failFastMs: number }): Scenario => {
    const frags = ["fragment1", "fragment2", "fragment3", "fragment4", "fragment5"]
    const pings = ["pongme 1!", "pongme 2!"]
    let part2At = Infinity
    return {
      send: async (c) => {
        await sendFrames(c, [f(Op.text, frags[0]!, false), f(Op.cont, frags[1]!, false), f(Op.ping, pings[0]!, true)], chop)
        await c.waitUntil(() => c.events.some((e) => e.type === "pong") || c.closed, ctx.failFastMs)
        await sleep(50)
        part2At = c.now()
        await sendFrames(
          c,
          [f(Op.cont, frags[2]!, false), f(Op.cont, frags[3]!, false), f(Op.ping, pings[1]!, true), f(Op.cont, frags[4]!, true)],
          chop
        )
      },
      ok: [pong(pings[0]!), pong(pings[1]!), text(frags.join(""))],
      closeBy: "client",
      check: (c) => {
        const first = c.events.find((e) => e.type === "pong")
        return first !== undefined && first.at > part2At
          ? nonStrict(
              "the first Pong only arrived after the rest of the message was sent; a Ping in the middle of a fragmented message SHOULD be answered as soon as practical (§5.4, §5.5.2)"
            )
          : ok()
      }
    }
  }
cases.push(
  scenarioCase(
    "5.19",
    "A fragmented text message is sent in multiple frames. After the first 2 frames a Ping is sent; then we wait, send 2 more fragments, another Ping and the final fragment.",
    "The peer answers the first Ping before it has received the last fragment, pongs both Pings and echoes the message.",
    pingsDuring("one")
  ),
  scenarioCase("5.20", "Same as 5.19, but frames are sent in frame-wise chops.", "Same as 5.19.", pingsDuring("frames"))
)

export const fragmentationCases = cases
