/**
 * Categories 1 (framing) and 2 (pings/pongs), after Autobahn cases 1.1.1-1.2.8 and 2.1-2.11.
 * RFC 6455 §5.2 (base framing, 7/16/64-bit lengths), §5.5.2/§5.5.3 (ping/pong), §5.5 (control
 * frames <= 125 bytes).
 */
import { binary, pong, text, type Case } from "../scenario.js"
import { Op, fe, scenarioCase, sendFrames, star } from "./common.js"

const SIZES = [0, 125, 126, 127, 128, 65535, 65536] as const

const framing: Case[] = []
for (const [sub, kind] of [
  [1, "text"],
  [2, "binary"]
] as const) {
  const payload = (n: number) => (kind === "text" ? star(n) : fe(n))
  const expect = kind === "text" ? text : binary
  const opcode = kind === "text" ? Op.text : Op.binary
  SIZES.forEach((n, i) => {
    framing.push(
      scenarioCase(
        `1.${sub}.${i + 1}`,
        `Send ${kind} message with payload length ${n}.`,
        `Receive echo'ed ${kind} message (RFC 6455 §5.2 length encodings).`,
        {
          send: (c) => sendFrames(c, [{ opcode, payload: payload(n) }]),
          ok: [expect(payload(n))],
          closeBy: "client"
        }
      )
    )
  })
  framing.push(
    scenarioCase(
      `1.${sub}.8`,
      `Send ${kind} message with payload length 65536, sent out in chops of 997 octets.`,
      `Receive echo'ed ${kind} message.`,
      {
        send: (c) => c.sendFrameChopped({ opcode, payload: payload(65536) }, 997),
        ok: [expect(payload(65536))],
        closeBy: "client"
      }
    )
  )
}

const ping = (payload: Uint8Array | string = "") => ({ opcode: Op.ping, payload })
const pings10 = Array.from({ length: 10 }, (_, i) => `payload-${i}`)
const BIN8 = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff])

const pingPong: Case[] = [
  scenarioCase("2.1", "Send ping without payload.", "Pong (with empty payload) is sent in reply to Ping (§5.5.2).", {
    send: (c) => sendFrames(c, [ping()]),
    ok: [pong()],
    closeBy: "client"
  }),
  scenarioCase("2.2", "Send ping with small text payload.", "Pong with payload echo'ed (§5.5.3: identical Application data).", {
    send: (c) => sendFrames(c, [ping("Hello, world!")]),
    ok: [pong("Hello, world!")],
    closeBy: "client"
  }),
  scenarioCase("2.3", "Send ping with small binary (non UTF-8) payload.", "Pong with payload echo'ed.", {
    send: (c) => sendFrames(c, [ping(BIN8)]),
    ok: [pong(BIN8)],
    closeBy: "client"
  }),
  scenarioCase("2.4", "Send ping with binary payload of 125 octets.", "Pong with payload echo'ed.", {
    send: (c) => sendFrames(c, [ping(fe(125))]),
    ok: [pong(fe(125))],
    closeBy: "client"
  }),
  scenarioCase(
    "2.5",
    "Send ping with binary payload of 126 octets.",
    "Connection is failed with 1002: control frames MUST have payload <= 125 (§5.5).",
    {
      send: (c) => sendFrames(c, [ping(fe(126))]),
      ok: [],
      closeBy: "server"
    }
  ),
  scenarioCase(
    "2.6",
    "Send ping with binary payload of 125 octets, sent in octet-wise chops.",
    "Pong with payload echo'ed; the server must be TCP-clean.",
    {
      send: (c) => c.sendFrameChopped(ping(fe(125)), 1),
      ok: [pong(fe(125))],
      closeBy: "client"
    }
  ),
  scenarioCase("2.7", "Send unsolicited pong without payload.", "Nothing: an unsolicited Pong is ignored (§5.5.3).", {
    send: (c) => sendFrames(c, [{ opcode: Op.pong }]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase("2.8", "Send unsolicited pong with payload.", "Nothing: an unsolicited Pong is ignored (§5.5.3).", {
    send: (c) => sendFrames(c, [{ opcode: Op.pong, payload: "unsolicited pong payload" }]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase("2.9", "Send unsolicited pong with payload, then ping with payload.", "Pong for our Ping only.", {
    send: (c) => sendFrames(c, [{ opcode: Op.pong, payload: "unsolicited pong payload" }, ping("ping payload")]),
    ok: [pong("ping payload")],
    closeBy: "client"
  }),
  scenarioCase("2.10", "Send 10 pings with payload.", "Pongs for all our Pings, in order (Autobahn expects all 10).", {
    send: (c) =>
      sendFrames(
        c,
        pings10.map((p) => ping(p))
      ),
    ok: pings10.map((p) => pong(p)),
    closeBy: "client"
  }),
  scenarioCase("2.11", "Send 10 pings with payload, sent in octet-wise chops.", "Pongs for all our Pings, in order.", {
    send: async (c) => {
      for (const p of pings10) await c.sendFrameChopped(ping(p), 1, 1)
    },
    ok: pings10.map((p) => pong(p)),
    closeBy: "client"
  })
]

export const framingCases = framing
export const pingPongCases = pingPong
