/**
 * Categories 3 (reserved bits) and 4 (reserved opcodes), after Autobahn 3.1-3.7, 4.1.1-4.2.5.
 * RFC 6455 §5.2: "RSV1, RSV2, RSV3 ... MUST be 0 unless an extension is negotiated ... If a
 * nonzero value is received and none of the negotiated extensions defines the meaning of such a
 * nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_." Same for unknown
 * opcodes ("If an unknown opcode is received, the receiving endpoint MUST _Fail_"). Fail = 1002.
 *
 * "RSV = n" is Autobahn's numbering, the three bits as a number (4 = RSV1, 1 = RSV3); a FrameSpec
 * takes them in place in the first byte, `n << 4`.
 */
import { text, type Case } from "../scenario.js"
import { Op, scenarioCase, sendFrames, type Chop } from "./common.js"

const HELLO = "Hello, world!"

const rsv: Case[] = [
  scenarioCase("3.1", "Send small text message with RSV = 1.", "The connection is failed immediately (1002), since RSV must be 0.", {
    send: (c) => sendFrames(c, [{ opcode: Op.text, payload: HELLO, rsv: 1 << 4 }]),
    ok: [],
    closeBy: "server"
  })
]
const RSV_WITH_ECHO: [string, number, Chop][] = [
  ["3.2", 2, "one"],
  ["3.3", 3, "frames"],
  ["3.4", 4, "octets"]
]
for (const [id, bits, chop] of RSV_WITH_ECHO) {
  rsv.push(
    scenarioCase(
      id,
      `Send small text message, then send again with RSV = ${bits}, then send Ping${chop === "one" ? "" : `; octets are sent in ${chop === "frames" ? "frame" : "octet"}-wise chops`}.`,
      "Echo for first message is received, then the connection is failed immediately (1002). The Pong is not received.",
      {
        send: (c) =>
          sendFrames(
            c,
            [{ opcode: Op.text, payload: HELLO }, { opcode: Op.text, payload: HELLO, rsv: bits << 4 }, { opcode: Op.ping }],
            chop
          ),
        ok: [text(HELLO)],
        nonStrict: [],
        closeBy: "server"
      }
    )
  )
}
rsv.push(
  scenarioCase("3.5", "Send small binary message with RSV = 5.", "The connection is failed immediately (1002).", {
    send: (c) => sendFrames(c, [{ opcode: Op.binary, payload: Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 0xfe, 0xff]), rsv: 5 << 4 }]),
    ok: [],
    closeBy: "server"
  }),
  scenarioCase("3.6", "Send Ping with RSV = 6.", "The connection is failed immediately (1002); no Pong.", {
    send: (c) => sendFrames(c, [{ opcode: Op.ping, payload: Buffer.from([0, 0xff, 0xfe]), rsv: 6 << 4 }]),
    ok: [],
    closeBy: "server"
  }),
  scenarioCase("3.7", "Send Close with RSV = 7.", "The connection is failed immediately (1002), the Close with RSV is not a valid close.", {
    send: (c) => sendFrames(c, [{ opcode: Op.close, payload: Buffer.from([0x03, 0xe8]), rsv: 7 << 4 }]),
    ok: [],
    // A Close with RSV bits is not a valid Close (§5.2): the server fails the connection.
    closeBy: "server"
  })
)

const opcodes: Case[] = []
const RESERVED: [string, number, "alone" | "alone+payload" | "between"][] = [
  ["4.1.1", 3, "alone"],
  ["4.1.2", 4, "alone+payload"],
  ["4.1.3", 5, "between"],
  ["4.1.4", 6, "between"],
  ["4.1.5", 7, "between"],
  ["4.2.1", 11, "alone"],
  ["4.2.2", 12, "alone+payload"],
  ["4.2.3", 13, "between"],
  ["4.2.4", 14, "between"],
  ["4.2.5", 15, "between"]
]
for (const [id, opcode, shape] of RESERVED) {
  const kind = opcode < 8 ? "non-control" : "control"
  const payload = shape === "alone" || (shape === "between" && (opcode === 5 || opcode === 13)) ? undefined : "reserved opcode payload"
  const frame = { opcode, ...(payload !== undefined ? { payload } : {}) }
  opcodes.push(
    shape === "between"
      ? scenarioCase(
          id,
          `Send small text message, then send frame with reserved ${kind} Opcode = ${opcode}${payload ? " and non-empty payload" : ""}, then send Ping.`,
          "Echo for first message is received, then the connection is failed immediately (1002); no Pong.",
          {
            send: (c) => sendFrames(c, [{ opcode: Op.text, payload: HELLO }, frame, { opcode: Op.ping }]),
            ok: [text(HELLO)],
            nonStrict: [],
            closeBy: "server"
          }
        )
      : scenarioCase(
          id,
          `Send frame with reserved ${kind} Opcode = ${opcode}${payload ? " and non-empty payload" : ""}.`,
          "The connection is failed immediately (1002).",
          {
            send: (c) => sendFrames(c, [frame]),
            ok: [],
            closeBy: "server"
          }
        )
  )
}

export const rsvCases = rsv
export const opcodeCases = opcodes
