// The free variables TSDoc examples use: what the surrounding code of a real caller would have.
declare const socket: import("node:net").Socket
declare const sockets: ReadonlyArray<import("node:net").Socket>
declare const clients: ReadonlyArray<{ readonly socket: import("node:net").Socket }>
declare const server: import("node:http").Server
declare const chunk: Uint8Array
declare const bytes: Uint8Array
declare const oneMiB: Uint8Array
declare const userBytes: Uint8Array
declare const body: string
declare const key: string
declare const msg: string | import("@wspipe/codec").Frame.Frame
declare const head: import("@wspipe/codec").Http.RequestHead
declare const heads: import("@wspipe/codec").Http.RequestHeadParser
declare const complete: import("@wspipe/codec").Http.RequestHeadComplete
declare const req: import("@wspipe/codec").Handshake.UpgradeRequest
declare const parser: import("@wspipe/codec").Parser.FrameParser
declare const frameParser: import("@wspipe/codec").Parser.FrameParser
declare const sink: import("@wspipe/codec").Parser.Sink
declare const offers: ReadonlyArray<import("@wspipe/codec").Negotiation.ExtensionOffer>
declare const supported: ReadonlyArray<import("@wspipe/codec").Extension.Extension>
declare const permessageDeflate: import("@wspipe/codec").Extension.Extension
declare const hixieSink: import("@wspipe/codec").Hixie76.FrameSink
declare const hixieParser: import("@wspipe/codec").Hixie76.FrameParser
declare const hixieRequest: import("@wspipe/codec").Hixie76.UpgradeRequest
declare const key3: Uint8Array
declare const key3Complete: import("@wspipe/codec").Hixie76.Key3Complete
