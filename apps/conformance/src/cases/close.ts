/**
 * Category 7 (close handling), after Autobahn 7.1.1-7.13.2. RFC 6455 §5.5.1 (Close frame body:
 * 2-byte code + UTF-8 reason, control frame <= 125 bytes), §7.1.2-§7.1.4 (closing handshake:
 * after receiving Close, reply with Close, ignore further data, server closes TCP first),
 * §7.4.1/§7.4.2 (which codes may be on the wire). Invalid close payloads fail the connection (1002,
 * or 1007 for an invalid UTF-8 reason, §8.1).
 */
import { closePayload, repeatTo } from "@wspipe/test-frames"
import { text, type Case } from "../scenario.js"
import { Op, scenarioCase, sendFrames } from "./common.js"

const close = (code?: number, reason: Uint8Array | string = "") => ({ opcode: Op.close, payload: closePayload(code, reason) })
const HELLO = "Hello World!"

const cases: Case[] = [
  scenarioCase("7.1.1", "Send a message followed by a close frame.", "Echoed message followed by clean close with normal code.", {
    send: (c) => sendFrames(c, [{ opcode: Op.text, payload: HELLO }, close(1000)]),
    ok: [text(HELLO)],
    closeBy: "client"
  }),
  scenarioCase("7.1.2", "Send two close frames.", "Clean close with normal code; the second Close is ignored (§7.1.2).", {
    send: (c) => sendFrames(c, [close(1000), close(1000)]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase(
    "7.1.3",
    "Send a ping after close message.",
    "Clean close with normal code, no pong: data after Close is discarded (§5.5.1).",
    {
      send: (c) => sendFrames(c, [close(1000), { opcode: Op.ping, payload: HELLO }]),
      ok: [],
      closeBy: "client"
    }
  ),
  scenarioCase("7.1.4", "Send text message after sending a close frame.", "Clean close with normal code. Text message ignored.", {
    send: (c) => sendFrames(c, [close(1000), { opcode: Op.text, payload: HELLO }]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase("7.1.5", "Send message fragment1 followed by close then fragment2.", "Clean close with normal code; no message.", {
    send: (c) =>
      sendFrames(c, [{ opcode: Op.text, payload: "fragment1", fin: false }, close(1000), { opcode: Op.cont, payload: "fragment2" }]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase(
    "7.1.6",
    "Send 256K message followed by a text message, then close, then a ping.",
    "Implementation defined: if the Close is processed before the 256K echo is written, the messages may not be received (INFORMATIONAL).",
    {
      send: (c) =>
        sendFrames(c, [
          { opcode: Op.text, payload: repeatTo("BAsd7&jh23", 256 * 1024) },
          { opcode: Op.text, payload: HELLO },
          close(1000),
          { opcode: Op.ping }
        ]),
      ok: [text(repeatTo("BAsd7&jh23", 256 * 1024)), text(HELLO)],
      nonStrict: [],
      closeBy: "client",
      informational: true
    }
  ),
  scenarioCase(
    "7.3.1",
    "Send a close frame with payload length 0 (no close code, no close reason).",
    "Clean close with empty or normal code (§7.1.5: no code = 1005 received).",
    {
      send: (c) => sendFrames(c, [close()]),
      ok: [],
      closeBy: "client"
    }
  ),
  scenarioCase(
    "7.3.2",
    "Send a close frame with payload length 1.",
    "Clean close with protocol error (1002) or drop TCP: a 1-byte body is invalid (§5.5.1).",
    {
      send: (c) => sendFrames(c, [{ opcode: Op.close, payload: "*" }]),
      ok: [],
      closeBy: "client",
      codes: [1002],
      requireClean: false
    }
  ),
  scenarioCase("7.3.3", "Send a close frame with payload length 2 (regular close with a code).", "Clean close with normal code.", {
    send: (c) => sendFrames(c, [close(1000)]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase("7.3.4", "Send a close frame with close code and close reason.", "Clean close with normal code.", {
    send: (c) => sendFrames(c, [close(1000, "Hello World!")]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase("7.3.5", "Send a close frame with close code and close reason of maximum length (123).", "Clean close with normal code.", {
    send: (c) => sendFrames(c, [close(1000, "*".repeat(123))]),
    ok: [],
    closeBy: "client"
  }),
  scenarioCase(
    "7.3.6",
    "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets.",
    "Clean close with protocol error code (1002) or dropped TCP: control frames <= 125 bytes (§5.5).",
    {
      send: (c) => sendFrames(c, [close(1000, "*".repeat(124))]),
      ok: [],
      closeBy: "client",
      codes: [1002],
      requireClean: false
    }
  ),
  scenarioCase(
    "7.5.1",
    "Send a close frame with invalid UTF-8 payload.",
    "Clean close with protocol error (1002) or invalid payload (1007) code, or dropped TCP (§5.5.1, §8.1).",
    {
      send: (c) => sendFrames(c, [close(1000, Buffer.from("cebae1bdb9cf83cebcceb5eda080656469746564", "hex"))]),
      ok: [],
      closeBy: "client",
      codes: [1002, 1007],
      requireClean: false
    }
  )
]

// 7.7.x: valid codes (§7.4.1 defined codes and §7.4.2 3000-4999 registered/private): clean close, normal or echoed code.
const VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
VALID.forEach((code, i) => {
  cases.push(
    scenarioCase(`7.7.${i + 1}`, `Send close with valid close code ${code}.`, "Clean close with normal or echoed code.", {
      send: (c) => sendFrames(c, [close(code)]),
      ok: [],
      closeBy: "client",
      codes: [1000, code]
    })
  )
})
// 7.9.x: codes that MUST NOT be on the wire (§7.4.1: 1004 reserved, 1005/1006/1015 MUST NOT be
// set in a Close frame; §7.4.2: 0-999 not used, 1016-2999 reserved). 7.9.10 (1015) is ours.
const INVALID = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 1015]
INVALID.forEach((code, i) => {
  cases.push(
    scenarioCase(
      `7.9.${i + 1}`,
      `Send close with invalid close code ${code}.`,
      "Clean close with protocol error code (1002) or drop TCP.",
      {
        send: (c) => sendFrames(c, [close(code)]),
        ok: [],
        closeBy: "client",
        codes: [1002],
        requireClean: false
      }
    )
  )
})
for (const [id, code] of [
  ["7.13.1", 5000],
  ["7.13.2", 65535]
] as const) {
  cases.push(
    scenarioCase(id, `Send close with close code ${code}.`, "Actual events are undefined by the spec (INFORMATIONAL).", {
      send: (c) => sendFrames(c, [close(code)]),
      ok: [],
      closeBy: "client",
      codes: [1000, code, 1002],
      requireClean: false,
      informational: true
    })
  )
}

export const closeCases = cases
