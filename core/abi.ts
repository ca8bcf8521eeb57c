/** The contracts' generated ABIs (contracts/abi.ts, written by `npm run contracts:gen`), for code that may import core/ only. */
export * from "../contracts/abi.js";
