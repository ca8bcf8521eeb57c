/**
 * Eval sets for the web routes: storing a DAO's eval set, or its own data split into the private eval
 * set and the public training part. A `.server` module in app/ is left out of the browser bundle by
 * Remix, and so is everything it imports; lib/ modules are not (Remix empties only app/ ones), and the
 * data import's CSV parser needs Node's Buffer, so routes take these from here.
 */
export {
  builtinAlphabet,
  builtinEvalSet,
  DATA_FORMATS,
  type DataFormat,
  DataImportError,
  DEFAULT_HELD_OUT,
  deriveAlphabet,
  EVAL_SET_MAX_BYTES,
  formatOfFileName,
  IMPORT_LIMITS,
  type ImportResult,
  importDataset,
  randomSplitSalt,
  storeEvalSet,
  storeImportedData,
} from "../../lib/evalsets.server.js";
export { sha256Hex } from "../../lib/hash.server.js";
