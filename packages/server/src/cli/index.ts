/**
 * @wspipe/server/cli — the command line of server programs (`--help`, flags with defaults and
 * environment variables, exit code 2 on a bad flag). The bundled apps are built on it.
 *
 * @module
 */
export * as Cli from "./cli.js"
